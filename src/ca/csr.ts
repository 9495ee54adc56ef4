// Reads a workload's PKCS#10 request: well-formed, self-signed by the key it carries (proof the
// caller holds that key), a key strong enough, and the URI SANs it asks for.
import { CaError } from './errors.js';
import { workloadKeyProblem } from './keys.js';
import { x509 } from './x509.js';

export interface CheckedCsr {
  publicKey: InstanceType<typeof x509.PublicKey>;
  /** URI SANs requested, e.g. the SPIFFE id. */
  uris: string[];
}

export async function checkCsr(pem: string): Promise<CheckedCsr> {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    throw new CaError('INVALID_ARGUMENT', 'csr: expected a PEM "CERTIFICATE REQUEST" (PKCS#10), e.g. from `openssl req -new`');
  }
  let csr: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (e) {
    throw new CaError('INVALID_ARGUMENT', `csr: cannot parse the certificate request (${(e as Error).message})`);
  }
  const keyProblem = workloadKeyProblem(csr.publicKey.rawData);
  if (keyProblem) throw new CaError('INVALID_ARGUMENT', `csr: ${keyProblem}`);
  let signed: boolean;
  try {
    signed = await csr.verify();
  } catch (e) {
    throw new CaError('INVALID_ARGUMENT', `csr: its signature cannot be checked (${(e as Error).message})`);
  }
  if (!signed) throw new CaError('INVALID_ARGUMENT', 'csr: its signature does not match its public key (sign the request with the key it carries)');
  const san = csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
  const uris = san ? san.names.items.filter((n) => n.type === 'url').map((n) => n.value) : [];
  return { publicKey: csr.publicKey, uris };
}
