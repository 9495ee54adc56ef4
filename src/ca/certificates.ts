// Building the CA's certificates: self-signed roots, workload SVIDs and the CA's serving
// certificate. Extensions follow what Istio's CA puts in each.
import { randomBytes } from 'node:crypto';
import type { SigningKey } from './keys.js';
import { x509 } from './x509.js';

type Cert = InstanceType<typeof x509.X509Certificate>;
type PublicKeyInput = ConstructorParameters<typeof x509.PublicKey>[0] | InstanceType<typeof x509.PublicKey>;

/** The key and certificate that sign, and the chain above it (signing cert first, root last). */
export interface Signer {
  key: SigningKey;
  cert: Cert;
  chainPem: string[];
}

/** Backdating notBefore keeps a peer whose clock runs a little behind from refusing a new cert. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A positive serial with the top bit clear (RFC 5280: positive, at most 20 octets). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f | 0x01;
  return b.toString('hex');
}

export async function createRoot(key: SigningKey, trustDomain: string, now: number, lifetimeMs: number): Promise<Cert> {
  return x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    // Istio's self-signed root carries the trust domain as its organisation.
    subject: `O=${trustDomain}, CN=Isthmus root CA ${new Date(now).toISOString()}`,
    issuer: `O=${trustDomain}, CN=Isthmus root CA ${new Date(now).toISOString()}`,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + lifetimeMs),
    publicKey: key.publicKey,
    signingKey: key.privateKey,
    signingAlgorithm: key.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
}

export interface LeafRequest {
  publicKey: PublicKeyInput;
  /** URI, DNS and IP SANs. */
  names: { type: 'url' | 'dns' | 'ip'; value: string }[];
  now: number;
  lifetimeMs: number;
}

/**
 * A leaf certificate as Istio issues SVIDs: empty subject with a critical SAN (the identity is
 * the SAN, never the CN), digitalSignature + keyEncipherment, serverAuth + clientAuth, not a CA.
 */
export async function signLeaf(signer: Signer, req: LeafRequest): Promise<Cert> {
  const publicKey = req.publicKey instanceof x509.PublicKey ? req.publicKey : new x509.PublicKey(req.publicKey);
  const notAfter = Math.min(req.now + req.lifetimeMs, signer.cert.notAfter.getTime());
  return x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: '',
    issuer: signer.cert.subjectName,
    notBefore: new Date(req.now - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    publicKey,
    signingKey: signer.key.privateKey,
    signingAlgorithm: signer.key.signingAlgorithm,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.AuthorityKeyIdentifierExtension.create(signer.key.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      new x509.SubjectAlternativeNameExtension(req.names, true),
    ],
  });
}

/** PEM of one certificate, with the trailing newline tools expect. */
export function toPem(cert: Cert): string {
  return `${cert.toString('pem').trim()}\n`;
}

/** Splits concatenated PEM certificates (a bundle or chain file). */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((p) => `${p}\n`) ?? [];
}
