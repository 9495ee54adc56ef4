// The workload identity agent (Istio's istio-agent SDS server, in process): it makes a key where
// it is used (the key provider: memory or a PKCS#11 token), sends a CSR for the workload's SPIFFE
// ID to the mesh CA, and holds the chain as the SDS secret `default`. It renews once the chosen
// share of the lifetime has passed — with a new key each time, authenticating with the
// certificate it still holds — and retries failures with backoff while the old certificate keeps
// serving. The trust bundle `ROOTCA` comes over the proxy's ADS stream; until it does, the root
// at the end of the CA's chain (or --ca-root) stands in.
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
// The CA's client only: ca/index.js is the whole CA (authority, server, token minting, config schemas).
import { requestCertificate as caRequest, type CertificateRequest } from '../../ca/client.js';
import { Backoff } from '../xds-client/backoff.js';
import { renewalTime } from './renewal.js';
import type { MeshSecretStore, WorkloadCertificate } from './secret-store.js';
import { spiffeId, type WorkloadIdentity } from './spiffe.js';
import type { KeyAlgorithm, KeyProvider, WorkloadKey } from './workload-key.js';

/** Wall-clock time and timers, injected so renewal and backoff are tested without sleeping. */
export interface AgentClock {
  /** Wall-clock milliseconds (certificate validity is wall-clock time). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_AGENT_CLOCK: AgentClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    // Timers have a 32-bit millisecond range; a far renewal is re-checked once it is reached.
    const handle = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    handle.unref();
    return handle;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type RequestCertificate = (req: CertificateRequest) => Promise<string[]>;

export interface IdentityAgentOptions {
  /** The CA's gRPC address, `host:port`. */
  caAddress: string;
  /** PEM roots the CA's serving certificate chains to (--ca-root). */
  caRootPem: string;
  identity: WorkloadIdentity;
  /** The bootstrap token, read when needed (a token file may be refreshed). */
  token?: () => string | undefined;
  /** Requested lifetime (--cert-ttl); the CA may shorten it. */
  certTtlSeconds: number;
  /** Share of the lifetime after which the certificate is renewed (--renew-fraction). */
  renewFraction: number;
  keyProvider: KeyProvider;
  keyAlgorithm?: KeyAlgorithm;
  store: MeshSecretStore;
  clock?: AgentClock;
  /** Failed requests are retried after 1 s doubling to 30 s (jittered). */
  backoff?: { initialMs?: number; maxMs?: number; random?: () => number };
  requestCertificate?: RequestCertificate;
  log?: (line: string) => void;
}

export class IdentityAgent {
  readonly spiffeId: string;
  private readonly clock: AgentClock;
  private readonly backoff: Backoff;
  private readonly request: RequestCertificate;
  private readonly log: (line: string) => void;
  private timer: unknown;
  private current: { cert: WorkloadCertificate; key: WorkloadKey } | undefined;
  /** The key before the current one: closed only at the next renewal, so contexts built just before a swap keep a live key. */
  private previousKey: WorkloadKey | undefined;
  private rootFromXds = false;
  private fetching = false;
  private closed = false;
  private readyWaiters: (() => void)[] = [];
  /** When the next request is due (wall-clock ms), for logs and tests. */
  nextAttemptAt: number | undefined;
  /** Certificates obtained so far. */
  issued = 0;
  /** Failed requests since the last success. */
  failures = 0;

  constructor(private readonly opts: IdentityAgentOptions) {
    this.spiffeId = spiffeId(opts.identity);
    this.clock = opts.clock ?? SYSTEM_AGENT_CLOCK;
    this.backoff = new Backoff({ initialMs: opts.backoff?.initialMs ?? 1000, maxMs: opts.backoff?.maxMs ?? 30_000, jitter: 0.2, ...(opts.backoff?.random ? { random: opts.backoff.random } : {}) });
    this.request = opts.requestCertificate ?? caRequest;
    this.log = opts.log ?? (() => {});
  }

  /** Asks for the first certificate (retrying until it comes). */
  start(): void {
    if (this.closed || this.fetching || this.timer !== undefined || this.current) return;
    void this.fetch();
  }

  get isReady(): boolean {
    return this.current !== undefined;
  }

  /** Resolves once the first certificate is held. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** The mesh trust bundle from the control plane (the SDS secret ROOTCA over ADS), already validated. */
  acceptRootBundle(pem: string): void {
    this.rootFromXds = true;
    this.opts.store.setRootBundle(pem);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([this.current?.key.close(), this.previousKey?.close()]);
  }

  private schedule(at: number): void {
    if (this.closed) return;
    this.nextAttemptAt = at;
    const delay = Math.max(0, at - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // A long delay may have been cut to the timer range: wait again until really due.
      if (this.clock.now() < at) return this.schedule(at);
      void this.fetch();
    }, delay);
  }

  private async fetch(): Promise<void> {
    if (this.closed || this.fetching) return;
    this.fetching = true;
    let key: WorkloadKey | undefined;
    try {
      key = await this.opts.keyProvider.newKey(this.opts.keyAlgorithm ?? 'ECDSA_P256');
      const csrPem = await key.createCsr(this.spiffeId);
      const chain = await this.request({ address: this.opts.caAddress, rootPem: this.caTrust(), csrPem, validitySeconds: this.opts.certTtlSeconds, ...this.credentials() });
      const receivedAt = this.clock.now();
      const cert = this.checkChain(chain, key, receivedAt);
      if (this.closed) {
        await key.close();
        return;
      }
      this.install(cert, key, chain);
      this.failures = 0;
      this.backoff.reset();
      const at = renewalTime({ notBefore: cert.notBefore.getTime(), notAfter: cert.notAfter.getTime(), receivedAt }, this.opts.renewFraction);
      this.log(`identity: certificate for ${this.spiffeId} (serial ${cert.serial}) valid until ${cert.notAfter.toISOString()}; renewing at ${new Date(at).toISOString()}`);
      this.schedule(at);
    } catch (err) {
      await key?.close().catch(() => {});
      if (this.closed) return;
      this.failures++;
      const delay = this.backoff.next();
      const still = this.current ? `; still serving the certificate valid until ${this.current.cert.notAfter.toISOString()}` : '';
      this.log(`identity: getting a certificate for ${this.spiffeId} from the CA at ${this.opts.caAddress} failed (attempt ${this.failures}): ${(err as Error).message}; retrying in ${Math.round(delay)} ms${still}`);
      this.schedule(this.clock.now() + delay);
    } finally {
      this.fetching = false;
    }
  }

  /** The CA's TLS trust: --ca-root, plus the mesh bundle once known (covers a root rotation). */
  private caTrust(): string {
    const bundle = this.rootFromXds ? this.opts.store.rootBundle : undefined;
    return bundle && bundle !== this.opts.caRootPem ? `${this.opts.caRootPem.trimEnd()}\n${bundle}` : this.opts.caRootPem;
  }

  /** The current certificate while it is valid (Istio's renewal); the bootstrap token otherwise. */
  private credentials(): Pick<CertificateRequest, 'token' | 'clientCert'> {
    const held = this.current?.cert;
    if (held && held.notAfter.getTime() > this.clock.now()) return { clientCert: { certPem: held.chainPem, key: held.key } };
    const token = this.opts.token?.();
    if (token === undefined || token === '') {
      throw new Error(held ? 'the certificate expired and there is no bootstrap token to get a new one; give --token-file or ISTHMUS_CA_TOKEN' : 'no bootstrap token: give --token-file FILE or set ISTHMUS_CA_TOKEN (isthmus ca token mints one)');
    }
    return { token };
  }

  /** The chain as the `default` secret, after checking it is for this identity and this key. */
  private checkChain(chain: string[], key: WorkloadKey, now: number): WorkloadCertificate {
    if (chain.length === 0) throw new Error('the CA returned an empty chain');
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(chain[0]!);
    } catch (err) {
      throw new Error(`the CA returned a leaf certificate that does not parse: ${(err as Error).message}`, { cause: err });
    }
    const uris = (leaf.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
    if (!uris.includes(this.spiffeId)) throw new Error(`the CA returned a certificate for ${uris.join(', ') || 'no URI SAN'}, not ${this.spiffeId}`);
    const notBefore = new Date(leaf.validFrom);
    const notAfter = new Date(leaf.validTo);
    if (notAfter.getTime() <= now) throw new Error(`the CA returned a certificate that expired at ${notAfter.toISOString()}`);
    // The root stays out of `default`: peers hold it already (ROOTCA).
    const presented = chain.length > 1 ? chain.slice(0, -1) : chain;
    const chainPem = presented.map((p) => p.trim()).join('\n') + '\n';
    const secureKey = key.secureContextKey();
    try {
      tls.createSecureContext({ cert: chainPem, ...secureKey });
    } catch (err) {
      throw new Error(`the CA's certificate does not match the workload key: ${(err as Error).message}`, { cause: err });
    }
    return { chainPem, key: secureKey, spiffeId: this.spiffeId, notBefore, notAfter, serial: leaf.serialNumber };
  }

  private install(cert: WorkloadCertificate, key: WorkloadKey, chain: string[]): void {
    const retired = this.previousKey;
    this.previousKey = this.current?.key;
    this.current = { cert, key };
    this.issued++;
    if (!this.rootFromXds) {
      const root = chain.length > 1 ? chain[chain.length - 1]! : this.opts.caRootPem;
      this.opts.store.setRootBundle(root.trim() + '\n');
    }
    this.opts.store.setWorkloadCertificate(cert);
    void retired?.close().catch(() => {});
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }
}
