// TLS a Sidecar ingress listener terminates for callers from outside the mesh. It is Gateway's
// ServerTLSSettings (with all of its checks), narrowed to what a sidecar can do: certificate
// files only, and no ISTIO_MUTUAL or AUTO_PASSTHROUGH.
import { serverTlsSettings, type ServerTLSSettings } from './gateway.js';

export { serverTlsSettings, type ServerTLSSettings };

const UNSUPPORTED: ReadonlyArray<[keyof ServerTLSSettings, (t: ServerTLSSettings) => boolean]> = [
  ['subjectAltNames', (t) => (t.subjectAltNames?.length ?? 0) > 0],
  ['httpsRedirect', (t) => t.httpsRedirect === true],
  ['credentialName', (t) => Boolean(t.credentialName)],
  ['credentialNames', (t) => (t.credentialNames?.length ?? 0) > 0],
  ['tlsCertificates', (t) => (t.tlsCertificates?.length ?? 0) > 0],
];

export const sidecarIngressTls = serverTlsSettings.superRefine((t, ctx) => {
  for (const [key, isSet] of UNSUPPORTED) {
    if (isSet(t)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not supported in Sidecar ingress TLS`, params: { hint: 'give the certificate files with serverCertificate, privateKey (and caCertificates for MUTUAL)' } });
  }
  if (t.mode === 'ISTIO_MUTUAL' || t.mode === 'AUTO_PASSTHROUGH') {
    ctx.addIssue({ code: 'custom', path: ['mode'], message: `mode ${t.mode} cannot be used in Sidecar ingress TLS`, params: { hint: 'use SIMPLE or MUTUAL' } });
  }
});
