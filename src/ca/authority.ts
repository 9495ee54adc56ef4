// The certificate authority's state: which key signs, which roots are trusted, and the signing
// of workload certificates. The roots come from the CA directory (self-signed, rotatable) or
// from user files; a change of the trust bundle is announced to listeners (the xDS ROOTCA push).
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { signLeaf, toPem } from './certificates.js';
import { checkCsr } from './csr.js';
import { CaError } from './errors.js';
import { CA_FILES, writeAtomic } from './files.js';
import type { KeyAlgorithm } from './keys.js';
import { loadRoots, rotateRoots, type RootSnapshot, type RootStoreOptions } from './root-store.js';
import { spiffeUri, type SpiffeId } from './spiffe.js';
import { loadUserCa } from './user-ca.js';

export interface AuthorityOptions {
  caDir: string;
  keyAlgorithm?: KeyAlgorithm;
  trustDomain?: string;
  /** A user-supplied signing certificate (+ chain to its root) and its key. */
  caCertFile?: string;
  caKeyFile?: string;
  /** Lifetime of a workload certificate when the request names none (default 24 h). */
  workloadCertTtlSeconds?: number;
  /** No workload certificate lives longer (Istio's MAX_WORKLOAD_CERT_TTL, default 90 days). */
  maxWorkloadCertTtlSeconds?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly now: () => number;
  private snapshot!: RootSnapshot;
  private readonly listeners = new Set<(bundlePem: string) => void>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(readonly opts: AuthorityOptions) {
    this.trustDomain = opts.trustDomain ?? 'cluster.local';
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: AuthorityOptions): Promise<CertificateAuthority> {
    const ca = new CertificateAuthority(opts);
    await mkdir(opts.caDir, { recursive: true, mode: 0o700 });
    ca.snapshot = await ca.load();
    if (ca.userSupplied) {
      // Proxies read the bundle from <ca-dir>/root-cert.pem whichever way the roots came.
      await writeAtomic(path.join(opts.caDir, CA_FILES.bundle), ca.trustBundlePem());
    } else {
      // `isthmus ca rotate-root` rewrites the directory under a running manager: pick it up.
      ca.watcher = watch(opts.caDir, (_event, file) => {
        if (file === CA_FILES.state || file === CA_FILES.rootKey) ca.refreshSoon();
      });
      ca.watcher.on('error', (e) => ca.log(`ca: watching ${opts.caDir} failed: ${e.message}`));
    }
    ca.scheduleExpiry();
    return ca;
  }

  get userSupplied(): boolean {
    return this.opts.caCertFile !== undefined;
  }

  /** PEM of every trusted root, the current first. */
  trustBundlePem(): string {
    return this.snapshot.bundle.join('');
  }

  trustBundle(): readonly string[] {
    return this.snapshot.bundle;
  }

  /** The chain above a leaf: signing certificate first, root last. */
  signingChainPem(): readonly string[] {
    return this.snapshot.signer.chainPem;
  }

  onBundleChange(cb: (bundlePem: string) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Re-reads the roots (after a rotation elsewhere, or when an overlap ended). */
  refresh(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reload()).catch((e) => this.log(`ca: reloading ${this.opts.caDir} failed, keeping the current roots: ${(e as Error).message}`));
    return this.reloading;
  }

  async rotateRoot(overlapMs: number): Promise<void> {
    if (this.userSupplied) throw new Error('rotate-root manages self-signed roots only; with --ca-cert/--ca-key, replace those files and restart');
    await rotateRoots(this.storeOptions(), overlapMs);
    await this.refresh();
  }

  /** Signs `csrPem` for `identity`, whose SPIFFE id must be the only URI SAN the CSR asks for. */
  async sign(csrPem: string, identity: SpiffeId, requestedSeconds: number): Promise<string[]> {
    const csr = await checkCsr(csrPem);
    const want = spiffeUri(identity);
    if (csr.uris.length === 0) throw new CaError('INVALID_ARGUMENT', `csr: no URI SAN; request subjectAltName URI:${want}`);
    const other = csr.uris.find((u) => u !== want);
    if (other !== undefined) throw new CaError('PERMISSION_DENIED', `${want} may not obtain a certificate for ${other}`);
    const max = this.opts.maxWorkloadCertTtlSeconds ?? 90 * 86_400;
    const seconds = Math.min(requestedSeconds > 0 ? requestedSeconds : this.opts.workloadCertTtlSeconds ?? 86_400, max);
    const leaf = await signLeaf(this.snapshot.signer, { publicKey: csr.publicKey, names: [{ type: 'url', value: want }], now: this.now(), lifetimeMs: seconds * 1000 });
    this.log(`ca: issued ${want} for ${seconds}s (serial ${leaf.serialNumber})`);
    return [toPem(leaf), ...this.snapshot.signer.chainPem];
  }

  /** A certificate for the CA's own TLS server. */
  async signServing(publicKey: Parameters<typeof signLeaf>[1]['publicKey'], names: Parameters<typeof signLeaf>[1]['names'], lifetimeMs: number): Promise<string[]> {
    const leaf = await signLeaf(this.snapshot.signer, { publicKey, names, now: this.now(), lifetimeMs });
    return [toPem(leaf), ...this.snapshot.signer.chainPem];
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    clearTimeout(this.expiryTimer);
    this.listeners.clear();
  }

  private refreshTimer: NodeJS.Timeout | undefined;
  /** Coalesces the burst of events one rotation makes (key, state, bundle, temp files). */
  private refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 50);
  }

  private async reload(): Promise<void> {
    if (this.closed) return;
    const before = this.trustBundlePem();
    this.snapshot = await this.load();
    this.scheduleExpiry();
    const after = this.trustBundlePem();
    if (after !== before) {
      this.log(`ca: trust bundle now holds ${this.snapshot.bundle.length} root(s)`);
      for (const cb of [...this.listeners]) cb(after);
    }
  }

  private load(): Promise<RootSnapshot> {
    if (this.opts.caCertFile !== undefined) {
      if (this.opts.caKeyFile === undefined) throw new Error('--ca-cert needs --ca-key (the signing certificate\'s private key)');
      return loadUserCa(this.opts.caCertFile, this.opts.caKeyFile, this.now());
    }
    if (this.opts.caKeyFile !== undefined) throw new Error('--ca-key needs --ca-cert (the certificate the key belongs to)');
    return loadRoots(this.storeOptions());
  }

  private storeOptions(): RootStoreOptions {
    return { dir: this.opts.caDir, keyAlgorithm: this.opts.keyAlgorithm ?? 'ECDSA_P256', trustDomain: this.trustDomain, now: this.now };
  }

  /** Drops a retired root from the bundle when its overlap ends. */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const at = this.snapshot.nextExpiry;
    if (at === undefined || this.closed) return;
    // setTimeout holds at most ~24.8 days; a longer overlap is re-checked then.
    const delay = Math.min(Math.max(at - this.now(), 0) + 10, 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => void this.refresh(), delay);
    this.expiryTimer.unref();
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}
