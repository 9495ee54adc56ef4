// What a Secret named by a Gateway's credentialName must hold to be served, checked the same way
// by the manager (before it sends anything) and by `isthmus analyze` (to say why nothing is sent).
// Problems describe the material, never quote it.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { caOf, certificateOf, secretEntries, type SecretSpec } from './secret.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Why PEM text is not a usable list of certificates, or undefined when it is. */
function certificatesProblem(pem: Buffer, what: string): string | undefined {
  const blocks = pem.toString().match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return `${what} holds no PEM certificate`;
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch {
      return `${what}: certificate #${i + 1} does not parse`;
    }
  }
  return undefined;
}

export type Checked<T> = { ok: T } | { problem: string };

/** The server certificate chain and its key (PEM), checked to parse and to match. */
export function serverCredential(spec: SecretSpec): Checked<{ cert: Buffer; key: Buffer }> {
  const pair = certificateOf(secretEntries(spec));
  if (!pair) return { problem: 'holds no certificate and key (keys tls.crt and tls.key, or cert and key)' };
  const problem = certificatesProblem(pair.cert, 'the certificate');
  if (problem) return { problem };
  try {
    const leaf = new X509Certificate(pair.cert.toString().match(PEM_CERTIFICATE)![0]!);
    if (!leaf.checkPrivateKey(createPrivateKey(pair.key))) return { problem: 'the private key does not match the certificate' };
  } catch {
    return { problem: 'the private key is not a PEM private key (or is encrypted)' };
  }
  return { ok: pair };
}

/** The client CA bundle (PEM), checked to parse. */
export function caCredential(spec: SecretSpec): Checked<Buffer> {
  const ca = caOf(secretEntries(spec));
  if (!ca) return { problem: 'holds no CA certificate (key ca.crt, or cacert)' };
  const problem = certificatesProblem(ca, 'the CA certificate');
  return problem ? { problem } : { ok: ca };
}
