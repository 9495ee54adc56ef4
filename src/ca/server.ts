// The CA's gRPC API (istio.v1.auth.IstioCertificateService/CreateCertificate) over TLS, like
// istiod on 15012. A caller proves who it is with its current certificate (mutual TLS, asked
// for but optional) or a bootstrap token; it only ever gets a certificate for that identity.
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { createPublicKey, generateKeyPair } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { promisify } from 'node:util';
import type { CertificateAuthority } from './authority.js';
import { CaError } from './errors.js';
import { caServiceDefinition, type IstioCertificateRequest, type IstioCertificateResponse } from './proto.js';
import { parseSpiffeUri, type SpiffeId } from './spiffe.js';
import { verifyToken, type TokenKeys } from './token.js';
import { x509 } from './x509.js';

/** Names the CA's serving certificate answers to (Istio's discovery address included). */
const SERVING_NAMES = [
  { type: 'dns' as const, value: 'localhost' },
  { type: 'dns' as const, value: 'istiod.istio-system.svc' },
  { type: 'ip' as const, value: '127.0.0.1' },
];
const SERVING_LIFETIME_MS = 30 * 86_400_000;

/**
 * Server credentials whose certificate and trusted roots change at run time. A client
 * certificate is requested but not required (a new workload has none yet); gRPC hands us the
 * peer certificate only when it verified against `ca`.
 */
class RotatingCredentials extends ServerCredentials {
  constructor(options: SecureContextOptions) {
    super({ requestCert: true, rejectUnauthorized: false }, options);
  }
  update(options: SecureContextOptions): void {
    this.updateSecureContextOptions(options);
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

const generate = promisify(generateKeyPair);

export class CaServer {
  private server: Server | undefined;
  private credentials: RotatingCredentials | undefined;
  private servingKeyPem = '';
  private servingChain: string[] = [];
  private servingIssuedBy = '';
  port = 0;

  constructor(private readonly ca: CertificateAuthority, private readonly tokens: TokenKeys, private readonly log: (line: string) => void = () => {}) {}

  async listen(host: string, port: number): Promise<number> {
    const { privateKey } = await generate('ec', { namedCurve: 'prime256v1' });
    this.servingKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await this.issueServing();
    this.credentials = new RotatingCredentials(this.contextOptions());
    const server = new Server();
    server.addService(caServiceDefinition(), { CreateCertificate: this.createCertificate.bind(this) });
    this.port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${port}`, this.credentials!, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  /**
   * After the trust bundle changed. The serving certificate is kept while the root that signed
   * it is trusted, so proxies that have not yet received the new bundle can still connect;
   * it is re-issued by the current root once its root left the bundle or half its life passed.
   */
  async onBundleChange(): Promise<void> {
    if (!this.credentials) return;
    const issuedAt = new x509.X509Certificate(this.servingChain[0]!).notBefore.getTime();
    if (!this.ca.trustBundle().includes(this.servingIssuedBy) || this.ca.now() - issuedAt > SERVING_LIFETIME_MS / 2) await this.issueServing();
    this.credentials.update(this.contextOptions());
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    server.forceShutdown();
  }

  private async issueServing(): Promise<void> {
    const spki = createPublicKey(this.servingKeyPem).export({ type: 'spki', format: 'der' });
    this.servingChain = await this.ca.signServing(spki, SERVING_NAMES, SERVING_LIFETIME_MS);
    this.servingIssuedBy = this.ca.signingChainPem()[this.ca.signingChainPem().length - 1]!;
  }

  private contextOptions(): SecureContextOptions {
    // Intermediates join the roots so a client presenting only its leaf still verifies.
    const ca = [...new Set([...this.ca.trustBundle(), ...this.ca.signingChainPem()])];
    return { key: this.servingKeyPem, cert: this.servingChain.join(''), ca };
  }

  private createCertificate(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, callback: sendUnaryData<IstioCertificateResponse>): void {
    this.answer(call).then(
      (cert_chain) => callback(null, { cert_chain }),
      (e: unknown) => {
        const err = e instanceof CaError ? e : new CaError('INTERNAL', `signing failed: ${(e as Error).message}`);
        if (err.code === 'INTERNAL') this.log(`ca: ${err.message}`);
        callback({ code: err.grpcStatus, details: err.message, metadata: new Metadata() });
      },
    );
  }

  private async answer(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>): Promise<string[]> {
    const identity = await this.authenticate(call);
    const requested = Number(call.request.validity_duration ?? 0);
    if (!Number.isFinite(requested) || requested < 0) throw new CaError('INVALID_ARGUMENT', `validity_duration: ${call.request.validity_duration} is not a number of seconds ≥ 0`);
    return this.ca.sign(call.request.csr, identity, requested);
  }

  /** Istio's authenticator order: the client certificate first, then the bearer token. */
  private async authenticate(call: ServerUnaryCall<unknown, unknown>): Promise<SpiffeId> {
    const peer = call.getAuthContext()?.sslPeerCertificate;
    if (peer?.raw) {
      const cert = new x509.X509Certificate(peer.raw);
      const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
      const uri = san?.names.items.find((n) => n.type === 'url')?.value;
      const id = uri ? parseSpiffeUri(uri) : undefined;
      if (!id) throw new CaError('UNAUTHENTICATED', 'the client certificate carries no SPIFFE URI SAN (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)');
      if (id.trustDomain !== this.ca.trustDomain) throw new CaError('UNAUTHENTICATED', `the client certificate is for trust domain ${id.trustDomain}, this CA serves ${this.ca.trustDomain}`);
      return id;
    }
    const auth = call.metadata.get('authorization')[0];
    if (auth === undefined) {
      throw new CaError('UNAUTHENTICATED', 'no credential: send a bootstrap token (metadata "authorization: Bearer <token>", from `isthmus ca token`) or connect with your current workload certificate');
    }
    const m = /^Bearer\s+(\S+)$/i.exec(String(auth));
    if (!m) throw new CaError('UNAUTHENTICATED', 'authorization metadata must be "Bearer <token>"');
    const who = await verifyToken(this.tokens, m[1]!, this.ca.now());
    return { trustDomain: this.ca.trustDomain, ...who };
  }
}
