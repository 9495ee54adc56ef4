// The workload identity of a `--concurrency` worker process. The primary runs the one identity
// agent (one key, one CSR, one renewal schedule per workload, as a single Envoy has); each
// worker holds a copy of the current certificate and key in memory, sent over the cluster IPC
// channel (never a file), so every worker's TLS contexts present the same identity.
import { MeshSecretStore, ROOT_SECRET, WORKLOAD_SECRET, type WorkloadCertificate } from './secret-store.js';

/** What the primary sends a worker whenever its mesh secrets change. */
export interface IdentityUpdate {
  workload?: WorkloadCertificate;
  root?: string;
}

/** The primary's side: calls `send` with the current secrets now and after every change. */
export function shareIdentity(store: MeshSecretStore, send: (update: IdentityUpdate) => void): () => void {
  const current = (): IdentityUpdate => ({
    ...(store.workloadCertificate ? { workload: store.workloadCertificate } : {}),
    ...(store.rootBundle ? { root: store.rootBundle } : {}),
  });
  const stopWorkload = store.watch(WORKLOAD_SECRET, () => send(current()));
  const stopRoot = store.watch(ROOT_SECRET, () => send(current()));
  return () => {
    stopWorkload();
    stopRoot();
  };
}

/** The worker's side: a ProxyIdentityAgent fed by the primary instead of the CA. */
export class WorkerIdentity {
  private waiters: (() => void)[] = [];

  constructor(private readonly store: MeshSecretStore) {}

  get isReady(): boolean {
    return this.store.workloadCertificate !== undefined;
  }

  ready(): Promise<void> {
    return this.isReady ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  /** ROOTCA from the snapshot the primary fanned out. */
  acceptRootBundle(pem: string): void {
    this.store.setRootBundle(pem);
  }

  apply(update: IdentityUpdate): void {
    if (update.root) this.store.setRootBundle(update.root);
    if (update.workload) {
      // Structured clone turns Dates into Dates, but be safe with what arrives over IPC.
      this.store.setWorkloadCertificate({ ...update.workload, notBefore: new Date(update.workload.notBefore), notAfter: new Date(update.workload.notAfter) });
    }
    if (!this.isReady) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
