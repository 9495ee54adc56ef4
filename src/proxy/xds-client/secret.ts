// SDS over the proxy's ADS stream: the mesh trust bundle `ROOTCA` as an Envoy
// `extensions.transport_sockets.tls.v3.Secret` carrying a validation context with the roots
// inline, and a Gateway's credentials `kubernetes://<name>` (certificate and key) and
// `kubernetes://<name>-cacert` (client CA), which the control plane reads from its store. The
// workload certificate `default` is never taken from the control plane — the proxy makes its
// own key and certificate (../identity/) — so a private key under any other name is refused.
// Material that is not PEM is rejected, so the response is NACKed and what is held keeps being
// used. Reasons describe key material, never quote it.
import { X509Certificate } from 'node:crypto';
import { TYPE_URL } from '../../control/xds/resource.js';
import { createPrivateKey } from 'node:crypto';
import { asFields, decodeResource, reject, type AnyResource, type Decoded, type Fields } from './fields.js';
import { isCredentialName } from './secret-refs.js';

export interface SecretConfig {
  name: string;
  /** PEM, one or more root certificates (a validation context). */
  trustedCaPem?: string;
  /** A credential's certificate chain and private key, PEM (a tls_certificate). */
  tlsCertificate?: { chainPem: string; keyPem: string };
}

const VALIDATION_FIELDS = new Set(['trusted_ca']);
const CERTIFICATE_FIELDS = new Set(['certificate_chain', 'private_key']);

export function decodeSecret(any: AnyResource): Decoded<SecretConfig> {
  return decodeResource(any, { typeUrl: TYPE_URL.SECRET, kind: 'Secret', nameField: 'name' }, (s, name) => {
    if (s.tls_certificate !== undefined) {
      if (!isCredentialName(name)) reject('tls_certificate', 'is not accepted from the control plane: the proxy makes its own key and gets its certificate from the mesh CA');
      if (s.validation_context !== undefined) reject('validation_context', 'cannot come with a tls_certificate in one Secret');
      return { name, tlsCertificate: certificate(asFields(s.tls_certificate), 'tls_certificate') };
    }
    if (s.session_ticket_keys !== undefined) reject('session_ticket_keys', 'is not supported; the proxy makes its own session ticket keys');
    if (s.generic_secret !== undefined) reject('generic_secret', 'is not supported');
    const v = asFields(s.validation_context);
    if (!v) return reject('validation_context', 'is missing; the proxy takes only trust bundles (validation_context.trusted_ca) over SDS');
    for (const key of Object.keys(v)) if (!VALIDATION_FIELDS.has(key)) reject(`validation_context.${key}`, 'is not supported in an SDS trust bundle; only trusted_ca');
    return { name, trustedCaPem: bundlePem(v.trusted_ca, 'validation_context.trusted_ca') };
  });
}

/** A credential's chain and key, checked to be PEM (that they match, the TLS context checks). */
function certificate(c: Fields | undefined, field: string): { chainPem: string; keyPem: string } {
  if (!c) return reject(field, 'is empty');
  for (const key of Object.keys(c)) if (!CERTIFICATE_FIELDS.has(key)) reject(`${field}.${key}`, 'is not supported in an SDS certificate; only certificate_chain and private_key');
  const chainPem = inlineText(c.certificate_chain, `${field}.certificate_chain`);
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) reject(`${field}.certificate_chain`, 'holds no PEM certificate');
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch {
      reject(`${field}.certificate_chain`, `certificate #${i + 1} does not parse`);
    }
  });
  const keyPem = inlineText(c.private_key, `${field}.private_key`);
  try {
    createPrivateKey(keyPem);
  } catch {
    reject(`${field}.private_key`, 'is not a PEM private key');
  }
  return { chainPem, keyPem };
}

/** An inline DataSource's text. */
function inlineText(value: unknown, field: string): string {
  const d: Fields | undefined = asFields(value);
  if (!d) return reject(field, 'is missing');
  // protobufjs hands bytes over as base64 text.
  if (typeof d.inline_bytes === 'string' && d.inline_bytes !== '') return Buffer.from(d.inline_bytes, 'base64').toString();
  if (typeof d.inline_string === 'string' && d.inline_string !== '') return d.inline_string;
  return reject(field, 'must be inline_bytes or inline_string (the control plane\'s files are not the proxy\'s)');
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
