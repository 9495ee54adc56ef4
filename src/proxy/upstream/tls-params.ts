// Envoy's TlsParameters (common_tls_context.tls_params) as Node secure-context options, for both
// sides of the proxy: upstream contexts (tls-config.ts) and listener termination
// (listener/tls-termination.ts).
import type * as tls from 'node:tls';
import { reject, type Fields } from '../xds-client/fields.js';

export type TlsParams = Pick<tls.SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'ecdhCurve' | 'sigalgs'>;

const TLS_VERSIONS: Record<string, tls.SecureVersion | undefined> = {
  TLS_AUTO: undefined, TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3',
};

const KNOWN = ['tls_minimum_protocol_version', 'tls_maximum_protocol_version', 'cipher_suites', 'ecdh_curves', 'signature_algorithms'];

/** Reads `p`; with `rejectUnknown`, a field this proxy cannot honour is refused by name. */
export function readTlsParams(p: Fields | undefined, field: string, opts: { rejectUnknown: boolean }): TlsParams {
  const out: TlsParams = {};
  if (!p) return out;
  if (opts.rejectUnknown) {
    for (const key of Object.keys(p)) if (!KNOWN.includes(key)) reject(`${field}.${key}`, 'is not supported');
  }
  const version = (key: string): tls.SecureVersion | undefined => {
    const v = p[key];
    if (v === undefined) return undefined;
    if (!(String(v) in TLS_VERSIONS)) reject(`${field}.${key}`, `${String(v)} is not a TLS version`);
    return TLS_VERSIONS[String(v)];
  };
  const min = version('tls_minimum_protocol_version');
  const max = version('tls_maximum_protocol_version');
  if (min && max && min > max) reject(`${field}.tls_maximum_protocol_version`, `${max} is below the minimum ${min}`);
  if (min) out.minVersion = min;
  if (max) out.maxVersion = max;
  const names = (key: string) => (Array.isArray(p[key]) && (p[key] as unknown[]).length > 0 ? (p[key] as unknown[]).map(String) : undefined);
  const ciphers = names('cipher_suites');
  if (ciphers) {
    // Envoy's "[A|B]" equal-preference groups are BoringSSL-only syntax.
    if (ciphers.some((c) => /[[\]|]/.test(c))) reject(`${field}.cipher_suites`, 'equal-preference groups ([A|B]) are not supported; list the suites');
    out.ciphers = ciphers.join(':');
  }
  const curves = names('ecdh_curves');
  if (curves) out.ecdhCurve = curves.join(':');
  const sigalgs = names('signature_algorithms');
  if (sigalgs) out.sigalgs = sigalgs.join(':');
  return out;
}
