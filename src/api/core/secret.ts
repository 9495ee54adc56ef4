// The Kubernetes core `Secret` (apiVersion v1), as far as Istio reads it: a Gateway's
// `tls.credentialName` names one in the gateway's namespace, holding the server certificate and
// key (and, for MUTUAL, the client CA — or a second Secret `<name>-cacert` holds it). Other
// Secrets load too (they are harmless), but only these keys mean anything to the mesh.
// Errors never quote a value: a Secret's values are key material, and error messages end up in
// terminals, logs and CI output.
import { z } from 'zod';
import { obj } from '../fields/common.js';

/** `kubernetes.io/tls`'s keys, and the generic ones Istio also reads (an Opaque secret). */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;
export const GENERIC_KEYS = { cert: 'cert', key: 'key', ca: 'cacert' } as const;
/** The suffix of the Secret that holds only a credential's client CA (Istio's SdsCaSuffix). */
export const CA_SECRET_SUFFIX = '-cacert';
export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

// Kubernetes' rule for data keys (IsConfigMapKey).
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Check = (value: string) => string | undefined;

/** A map of strings whose values are only ever described, never quoted. */
function secretValues(label: string, check: Check) {
  return z.unknown().superRefine((map, ctx) => {
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      ctx.addIssue({ code: 'custom', message: `${label} must be a map of key to value`, params: { code: 'INVALID_TYPE', hint: 'e.g. tls.crt: <value> and tls.key: <value>' } });
      return;
    }
    for (const [key, value] of Object.entries(map)) {
      if (!DATA_KEY.test(key) || key.length > 253) {
        ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a valid key`, params: { hint: 'keys use letters, digits, "-", "_" and "." (e.g. tls.crt, tls.key, ca.crt)' } });
        continue;
      }
      if (typeof value !== 'string') {
        ctx.addIssue({ code: 'custom', path: [key], message: 'the value must be a string', params: { code: 'INVALID_TYPE', hint: label === 'data' ? 'give the base64 of the file, e.g. `base64 -w0 cert.pem`' : 'give the file\'s text (a YAML block scalar: `tls.crt: |`)' } });
        continue;
      }
      const why = check(value);
      if (why) ctx.addIssue({ code: 'custom', path: [key], message: why, params: { hint: 'the value is not shown here, as it may be a private key' } });
    }
  }).transform((map) => (map ?? {}) as Record<string, string>);
}

const base64Value: Check = (v) => (BASE64.test(v.replace(/\s+/g, '')) ? undefined : 'is not valid base64 (Secret data values are base64; use stringData for plain text)');

export const secretSpec = obj({
  type: z.string().min(1).optional(),
  data: secretValues('data', base64Value).optional(),
  stringData: secretValues('stringData', () => undefined).optional(),
  immutable: z.boolean().optional(),
}).superRefine((s, ctx) => {
  // The API server refuses a TLS Secret without both halves; so do we.
  if (s.type !== TLS_SECRET_TYPE) return;
  const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
  for (const k of [TLS_KEYS.cert, TLS_KEYS.key]) {
    if (!keys.has(k)) ctx.addIssue({ code: 'custom', path: ['data'], message: `a ${TLS_SECRET_TYPE} Secret needs the key "${k}"`, params: { code: 'MISSING_FIELD', hint: `add data.${k} (base64 PEM) or stringData.${k}` } });
  }
});

export type SecretSpec = z.infer<typeof secretSpec>;

/** The Secret's entries as bytes: data decoded from base64, stringData over it (as the API server merges them). */
export function secretEntries(spec: SecretSpec): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(spec.data ?? {})) out.set(k, Buffer.from(v.replace(/\s+/g, ''), 'base64'));
  for (const [k, v] of Object.entries(spec.stringData ?? {})) out.set(k, Buffer.from(v));
  return out;
}

/** A certificate and its key, as Istio reads them: `tls.crt`/`tls.key`, else `cert`/`key`. */
export function certificateOf(entries: ReadonlyMap<string, Buffer>): { cert: Buffer; key: Buffer } | undefined {
  for (const names of [TLS_KEYS, GENERIC_KEYS]) {
    const cert = entries.get(names.cert);
    const key = entries.get(names.key);
    if (cert?.length && key?.length) return { cert, key };
  }
  return undefined;
}

/** A client CA bundle: `ca.crt`, else `cacert`. */
export function caOf(entries: ReadonlyMap<string, Buffer>): Buffer | undefined {
  for (const name of [TLS_KEYS.ca, GENERIC_KEYS.ca]) {
    const ca = entries.get(name);
    if (ca?.length) return ca;
  }
  return undefined;
}
