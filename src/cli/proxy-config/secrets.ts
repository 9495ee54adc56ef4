// `proxy-config secret`: the proxy's mesh secrets from its /certs — the workload certificate
// (`default`) and the trust bundle (`ROOTCA`), with serials and validity, never key material.
import { arr, obj, str, type Json } from './json.js';
import type { ProxyConfigInput, Section } from './section.js';

function row(name: string, type: string, cert: Json, now: Date): string[] {
  const from = str(cert.valid_from) ?? '';
  const to = str(cert.expiration_time) ?? '';
  const valid = Date.parse(from) <= now.getTime() && now.getTime() < Date.parse(to);
  return [name, type, 'ACTIVE', String(valid), str(cert.serial_number) ?? '-', to || '-', from || '-'];
}

export const secretsSection: Section = {
  name: 'secret',
  header: ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'],
  needs: ['certs'],
  empty: 'The proxy has no mesh secrets (it runs without a workload identity: no --ca-address).',
  rows({ certs, now }: ProxyConfigInput) {
    return arr(obj(certs).certificates).map(obj).flatMap((s) => {
      const name = str(s.name) ?? '-';
      // The leaf is what identifies the workload; intermediates would only repeat the CA's rows.
      const leaf = arr(s.cert_chain).map(obj).slice(0, 1).map((c) => row(name, 'Cert Chain', c, now));
      const roots = arr(s.ca_cert).map(obj).map((c) => row(name, 'CA', c, now));
      return [...leaf, ...roots];
    });
  },
  raw: ({ certs }) => certs,
};
