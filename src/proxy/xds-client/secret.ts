// SDS over the proxy's ADS stream: the mesh trust bundle `ROOTCA` as an Envoy
// `extensions.transport_sockets.tls.v3.Secret` carrying a validation context with the roots
// inline. The workload certificate `default` is never taken from the control plane — the proxy
// makes its own key and certificate (../identity/) — so a Secret with a private key is refused.
// A bundle that is not PEM certificates is rejected, so the response is NACKed and the bundle
// held keeps being used.
import { X509Certificate } from 'node:crypto';
import { TYPE_URL } from '../../control/xds/resource.js';
import { asFields, decodeResource, reject, type AnyResource, type Decoded, type Fields } from './fields.js';

export interface SecretConfig {
  name: string;
  /** PEM, one or more root certificates. */
  trustedCaPem: string;
}

const VALIDATION_FIELDS = new Set(['trusted_ca']);

export function decodeSecret(any: AnyResource): Decoded<SecretConfig> {
  return decodeResource(any, { typeUrl: TYPE_URL.SECRET, kind: 'Secret', nameField: 'name' }, (s, name) => {
    if (s.tls_certificate !== undefined) reject('tls_certificate', 'is not accepted from the control plane: the proxy makes its own key and gets its certificate from the mesh CA');
    if (s.session_ticket_keys !== undefined) reject('session_ticket_keys', 'is not supported; the proxy makes its own session ticket keys');
    if (s.generic_secret !== undefined) reject('generic_secret', 'is not supported');
    const v = asFields(s.validation_context);
    if (!v) return reject('validation_context', 'is missing; the proxy takes only trust bundles (validation_context.trusted_ca) over SDS');
    for (const key of Object.keys(v)) if (!VALIDATION_FIELDS.has(key)) reject(`validation_context.${key}`, 'is not supported in an SDS trust bundle; only trusted_ca');
    return { name, trustedCaPem: bundlePem(v.trusted_ca, 'validation_context.trusted_ca') };
  });
}

/** The trusted CA's PEM, checked: inline, and every block a certificate that parses. */
function bundlePem(value: unknown, field: string): string {
  const d: Fields | undefined = asFields(value);
  if (!d) return reject(field, 'is missing');
  let text: string;
  // protobufjs hands bytes over as base64 text.
  if (typeof d.inline_bytes === 'string' && d.inline_bytes !== '') text = Buffer.from(d.inline_bytes, 'base64').toString();
  else if (typeof d.inline_string === 'string' && d.inline_string !== '') text = d.inline_string;
  else return reject(field, 'must be inline_bytes or inline_string (the control plane\'s files are not the proxy\'s)');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) reject(field, 'holds no PEM certificate');
  const rest = text.replace(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g, '').trim();
  if (rest !== '') reject(field, 'holds something other than PEM certificates');
  blocks.forEach((b, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(b);
    } catch (err) {
      return reject(field, `certificate #${i + 1} does not parse: ${(err as Error).message}`);
    }
    if (!cert.ca) reject(field, `certificate #${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not a CA certificate`);
  });
  return `${blocks.join('\n')}\n`;
}
