// The admin port's /certs: the proxy's mesh secrets (`default`, the workload certificate chain,
// and `ROOTCA`, the trust bundle) described certificate by certificate, after Envoy's /certs —
// serials, SANs and validity, never key material. `isthmus proxy-config secret` reads it.
import { X509Certificate } from 'node:crypto';
import { ROOT_SECRET, WORKLOAD_SECRET, type MeshSecretStore } from '../identity/secret-store.js';

export interface CertificateDetails {
  serial_number: string;
  subject: string;
  subject_alt_names: { uri?: string; dns?: string }[];
  /** ISO times, as Envoy prints them. */
  valid_from: string;
  expiration_time: string;
  days_until_expiration: number;
}

export interface SecretDetails {
  /** The SDS resource name: `default` or `ROOTCA`. */
  name: string;
  /** How many times the secret changed (1 = the first one). */
  version: number;
  /** The workload certificate chain (leaf first); empty for ROOTCA. */
  cert_chain: CertificateDetails[];
  /** The trusted roots; empty for `default`. */
  ca_cert: CertificateDetails[];
}

/** Envoy's /certs shape, with each secret's name and version. No identity: no certificates. */
export function certsView(store: MeshSecretStore | undefined, now: Date = new Date()): { certificates: SecretDetails[] } {
  if (!store) return { certificates: [] };
  const certificates: SecretDetails[] = [];
  const workload = store.workloadCertificate;
  if (workload) certificates.push({ name: WORKLOAD_SECRET, version: store.version(WORKLOAD_SECRET), cert_chain: pemBlocks(workload.chainPem).map((b) => details(b, now)), ca_cert: [] });
  const roots = store.rootBundle;
  if (roots) certificates.push({ name: ROOT_SECRET, version: store.version(ROOT_SECRET), cert_chain: [], ca_cert: pemBlocks(roots).map((b) => details(b, now)) });
  return { certificates };
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function details(pem: string, now: Date): CertificateDetails {
  const cert = new X509Certificate(pem);
  const notAfter = new Date(cert.validTo);
  return {
    serial_number: cert.serialNumber.toLowerCase(),
    // SPIFFE certificates usually have an empty subject; the identity is the URI SAN.
    subject: (cert.subject ?? '').replace(/\n/g, ', '),
    subject_alt_names: sans(cert.subjectAltName),
    valid_from: new Date(cert.validFrom).toISOString(),
    expiration_time: notAfter.toISOString(),
    days_until_expiration: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
  };
}

/** Node prints SANs as `URI:spiffe://…, DNS:host`; Envoy lists them as {uri} / {dns}. */
function sans(text: string | undefined): { uri?: string; dns?: string }[] {
  if (!text) return [];
  return text.split(', ').flatMap((s): { uri?: string; dns?: string }[] => {
    if (s.startsWith('URI:')) return [{ uri: s.slice(4) }];
    if (s.startsWith('DNS:')) return [{ dns: s.slice(4) }];
    return [];
  });
}
