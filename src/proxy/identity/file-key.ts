// The `file` private key provider (Istio's default): the workload key is made in this process
// with WebCrypto and kept in memory only — it is never written to disk. The name is Istio's; here
// "file" means "not in a token". Each certificate gets a fresh key.
import { x509, subtle } from '../../ca/x509.js';
import type { KeyAlgorithm, KeyProvider, SecureContextKey, WorkloadKey } from './workload-key.js';

type CryptoKeyPairLike = Awaited<ReturnType<typeof subtle.generateKey>> & { privateKey: unknown; publicKey: unknown };

const PARAMS: Record<KeyAlgorithm, { generate: Record<string, unknown>; sign: { name: string; hash?: string } }> = {
  ECDSA_P256: { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  RSA_2048: { generate: rsa(2048), sign: { name: 'RSASSA-PKCS1-v1_5' } },
  RSA_3072: { generate: rsa(3072), sign: { name: 'RSASSA-PKCS1-v1_5' } },
};

function rsa(modulusLength: number): Record<string, unknown> {
  return { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
}

export class FileKeyProvider implements KeyProvider {
  readonly name = 'file';

  async newKey(algorithm: KeyAlgorithm): Promise<WorkloadKey> {
    const params = PARAMS[algorithm];
    if (!params) throw new Error(`key algorithm ${String(algorithm)} is not supported; use ECDSA_P256, RSA_2048 or RSA_3072`);
    // Extractable only so OpenSSL (tls.createSecureContext) can be handed the PEM, in memory.
    const keys = (await subtle.generateKey(params.generate as unknown as Parameters<typeof subtle.generateKey>[0], true, ['sign', 'verify'])) as CryptoKeyPairLike;
    const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey as Parameters<typeof subtle.exportKey>[1]));
    const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
    return new InMemoryKey(algorithm, keys, params.sign, pem);
  }
}

class InMemoryKey implements WorkloadKey {
  private pem: string | undefined;
  private keys: CryptoKeyPairLike | undefined;

  constructor(readonly algorithm: KeyAlgorithm, keys: CryptoKeyPairLike, private readonly signing: { name: string; hash?: string }, pem: string) {
    this.keys = keys;
    this.pem = pem;
  }

  async createCsr(spiffeId: string): Promise<string> {
    if (!this.keys) throw new Error('the workload key was closed');
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys: this.keys as unknown as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['keys'],
      signingAlgorithm: this.signing,
      // The subject is empty, as in Istio's CSRs, so the SAN is critical (RFC 5280 4.2.1.6).
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)],
    });
    return csr.toString('pem');
  }

  secureContextKey(): SecureContextKey {
    if (!this.pem) throw new Error('the workload key was closed');
    return { key: this.pem };
  }

  async close(): Promise<void> {
    this.pem = undefined;
    this.keys = undefined;
  }
}
