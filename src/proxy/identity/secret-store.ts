// The proxy's in-memory SDS secrets from the mesh CA, under Istio's names: `default` (the
// workload certificate chain and its key) and `ROOTCA` (the mesh trust bundle). The identity
// agent writes them; every TLS context naming them reads them when it is (re)built, and is
// rebuilt for new connections when they change — the same way a rotated certificate file is.
// One store per proxy process, installed by the proxy command: config readers (CDS/LDS time)
// have no other way to know whether the proxy has a mesh identity, so a proxy without one
// NACKs `default`/`ROOTCA` with the reason instead of serving without mutual TLS.
import type { SecureContextKey } from './workload-key.js';

export const WORKLOAD_SECRET = 'default';
export const ROOT_SECRET = 'ROOTCA';
export type MeshSecretName = typeof WORKLOAD_SECRET | typeof ROOT_SECRET;

export function isMeshSecretName(name: string): name is MeshSecretName {
  return name === WORKLOAD_SECRET || name === ROOT_SECRET;
}

export interface WorkloadCertificate {
  /** PEM: the leaf, then any intermediates (the root travels in ROOTCA). */
  chainPem: string;
  key: SecureContextKey;
  spiffeId: string;
  notBefore: Date;
  notAfter: Date;
  /** The leaf's serial number, hex, for logs and /certs. */
  serial: string;
}

export class MeshSecretStore {
  private workload: WorkloadCertificate | undefined;
  private root: string | undefined;
  private readonly versions = { default: 0, ROOTCA: 0 };
  private readonly watchers = { default: new Set<() => void>(), ROOTCA: new Set<() => void>() };

  get workloadCertificate(): WorkloadCertificate | undefined {
    return this.workload;
  }

  /** PEM certificates (one or more roots: several during a root rotation). */
  get rootBundle(): string | undefined {
    return this.root;
  }

  /** Bumped on every change of the secret; 0 before it first arrives. */
  version(name: MeshSecretName): number {
    return this.versions[name];
  }

  setWorkloadCertificate(cert: WorkloadCertificate): void {
    this.workload = cert;
    this.changed(WORKLOAD_SECRET);
  }

  setRootBundle(pem: string): void {
    if (pem === this.root) return;
    this.root = pem;
    this.changed(ROOT_SECRET);
  }

  /** Calls `onChange` after each change of `name`; returns the function that stops it. */
  watch(name: MeshSecretName, onChange: () => void): () => void {
    this.watchers[name].add(onChange);
    return () => this.watchers[name].delete(onChange);
  }

  private changed(name: MeshSecretName): void {
    this.versions[name]++;
    for (const w of [...this.watchers[name]]) {
      try {
        w();
      } catch {
        // A context that cannot rebuild keeps its last good material; it reports that itself.
      }
    }
  }
}

let installed: MeshSecretStore | undefined;

/** The process's mesh secrets, or undefined when the proxy runs without a workload identity. */
export function meshSecrets(): MeshSecretStore | undefined {
  return installed;
}

/** Installs (or, with undefined, removes) the process's mesh secrets. */
export function installMeshSecrets(store: MeshSecretStore | undefined): void {
  installed = store;
}
