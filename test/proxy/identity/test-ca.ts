// A mesh CA for the identity tests, made with @peculiar/x509 in memory: a self-signed root that
// signs workload CSRs with the validity the test chooses (so renewal timing can be driven by a
// manual clock), plus a request function shaped like the real CA client's.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { subtle, x509 } from '../../../src/ca/x509.js';
import type { CertificateRequest } from '../../../src/ca/index.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface TestCa {
  rootPem: string;
  /** Signs the CSR's key for `uri`, valid over [notBefore, notAfter]; the chain is leaf, root. */
  sign(csrPem: string, notBefore: Date, notAfter: Date, uri?: string): Promise<string[]>;
}

export async function makeTestCa(name = 'Isthmus Test Mesh Root'): Promise<TestCa> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as { privateKey: CryptoKeyLike; publicKey: CryptoKeyLike };
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}, O=cluster.local`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 10 * 365 * 86400_000),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const rootPem = root.toString('pem');
  let serial = 1;
  return {
    rootPem,
    async sign(csrPem, notBefore, notAfter, uri) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error('CSR signature does not verify');
      const requested = uri ?? csrUris(csr)[0];
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: (++serial).toString(16).padStart(2, '0'),
        subject: '',
        issuer: root.subject,
        notBefore,
        notAfter,
        publicKey: csr.publicKey,
        signingKey: keys.privateKey as never,
        signingAlgorithm: ALG,
        extensions: [
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: requested! }], true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        ],
      });
      return [leaf.toString('pem'), rootPem];
    },
  };
}

/** The URI SANs a CSR asks for. */
export function csrUris(csr: InstanceType<typeof x509.Pkcs10CertificateRequest>): string[] {
  const san = csr.extensions.find((e): e is InstanceType<typeof x509.SubjectAlternativeNameExtension> => e instanceof x509.SubjectAlternativeNameExtension);
  return san ? san.names.toJSON().filter((n) => n.type === 'url').map((n) => n.value) : [];
}

type CryptoKeyLike = Awaited<ReturnType<typeof subtle.importKey>>;

/** The URI SANs of a PEM certificate. */
export function uriSans(pem: string): string[] {
  return (new NodeX509(pem).subjectAltName ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
}

/** Records what the agent asked the CA for, and answers with the test CA (or fails when told). */
export class FakeCaService {
  readonly requests: CertificateRequest[] = [];
  /** How many next requests fail. */
  failNext = 0;
  constructor(private readonly ca: TestCa, private readonly now: () => number, private readonly ttlMs: number, private readonly backdateMs = 0) {}

  request = async (req: CertificateRequest): Promise<string[]> => {
    this.requests.push(req);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('CA unavailable (test)');
    }
    const now = this.now();
    return this.ca.sign(req.csrPem, new Date(now - this.backdateMs), new Date(now + this.ttlMs));
  };
}
