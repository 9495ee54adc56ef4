// ClientTLSSettings: TLS that a proxy originates towards the upstream.
import { z } from 'zod';
import { obj } from '../fields/common.js';

export const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

export const clientTlsSettings = obj({
  mode: z.enum(CLIENT_TLS_MODES).optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  caCrl: z.string().optional(),
}).superRefine((t, ctx) => {
  const set = (v: string | undefined) => v !== undefined && v !== '';
  const fileMode = t.mode === 'SIMPLE' || t.mode === 'MUTUAL';
  if (t.insecureSkipVerify === true && fileMode) {
    // With verification off, anything that says how to verify is a contradiction.
    const conflicting = ['caCertificates', 'subjectAltNames', ...(t.mode === 'SIMPLE' ? ['credentialName'] : [])]
      .filter((k) => (k === 'subjectAltNames' ? t.subjectAltNames !== undefined : set(t[k as 'caCertificates'])));
    for (const k of conflicting) {
      ctx.addIssue({ code: 'custom', path: [k], message: `${k} cannot be set when insecureSkipVerify is true`, params: { hint: `remove ${k}, or set insecureSkipVerify: false` } });
    }
  }
  if (fileMode && set(t.credentialName)) {
    for (const k of ['clientCertificate', 'privateKey', 'caCertificates', 'caCrl'] as const) {
      if (set(t[k])) {
        ctx.addIssue({ code: 'custom', path: [k], message: `${k} cannot be set together with credentialName`, params: { hint: 'the credential already holds the certificates; remove one of them' } });
      }
    }
    return;
  }
  if (t.mode === 'MUTUAL') {
    for (const k of ['clientCertificate', 'privateKey'] as const) {
      if (!set(t[k])) {
        ctx.addIssue({ code: 'custom', path: [k], message: `MUTUAL TLS needs ${k}`, params: { hint: 'set clientCertificate and privateKey, or credentialName' } });
      }
    }
  }
});
export type ClientTLSSettings = z.infer<typeof clientTlsSettings>;
