// PeerAuthentications indexed by namespace, and the mTLS mode a workload's port gets from them
// in Istio's precedence: a workload policy (a selector that matches, in the workload's own
// namespace) over the namespace policy over the mesh policy (root namespace, no selector); the
// oldest wins among equals; UNSET inherits from the level above; with nothing set, PERMISSIVE.
// portLevelMtls comes only from the workload policy (the API refuses it without a selector).
import type { Resource } from '../../api/resource.js';
import type { PeerAuthenticationSpec } from '../../api/security/peer-authentication.js';
import { labelsMatch } from '../../registry/workloads.js';
import { byAge } from './visibility.js';

/** The mode a port ends up with; UNSET never survives resolution. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthenticationEntry {
  readonly resource: Resource<PeerAuthenticationSpec>;
  readonly namespace: string;
  readonly name: string;
  /** matchLabels, or undefined for a namespace- or mesh-wide policy (an empty selector is none). */
  readonly selector?: Readonly<Record<string, string>>;
  readonly spec: PeerAuthenticationSpec;
}

export interface PeerAuthenticationIndex {
  /** Oldest first, per namespace. */
  readonly byNamespace: ReadonlyMap<string, readonly PeerAuthenticationEntry[]>;
}

export function buildPeerAuthenticationIndex(resources: readonly Resource[]): PeerAuthenticationIndex {
  const list = (resources.filter((r) => r.kind === 'PeerAuthentication') as Resource<PeerAuthenticationSpec>[]).sort(byAge);
  const byNamespace = new Map<string, PeerAuthenticationEntry[]>();
  for (const r of list) {
    const labels = r.spec.selector?.matchLabels;
    const entry: PeerAuthenticationEntry = Object.freeze({
      resource: r,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      ...(labels && Object.keys(labels).length > 0 ? { selector: labels } : {}),
      spec: r.spec,
    });
    byNamespace.set(entry.namespace, [...(byNamespace.get(entry.namespace) ?? []), entry]);
  }
  return { byNamespace };
}

export interface WorkloadQuery {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  rootNamespace: string;
}

/** The policies that decide a workload's mode, one per level (oldest wins), as Istio composes them. */
export interface ApplicablePolicies {
  mesh?: PeerAuthenticationEntry;
  namespace?: PeerAuthenticationEntry;
  workload?: PeerAuthenticationEntry;
}

export function applicablePolicies(index: PeerAuthenticationIndex, q: WorkloadQuery): ApplicablePolicies {
  const wide = (ns: string) => index.byNamespace.get(ns)?.find((e) => !e.selector);
  const out: ApplicablePolicies = {};
  const mesh = wide(q.rootNamespace);
  if (mesh) out.mesh = mesh;
  if (q.namespace !== q.rootNamespace) {
    const ns = wide(q.namespace);
    if (ns) out.namespace = ns;
    // Selector policies in the root namespace are not mesh-wide; Istio ignores them elsewhere.
    const workload = index.byNamespace.get(q.namespace)?.find((e) => e.selector && labelsMatch(e.selector, q.labels));
    if (workload) out.workload = workload;
  }
  return out;
}

function set(mode: string | undefined): MtlsMode | undefined {
  return mode === undefined || mode === 'UNSET' ? undefined : (mode as MtlsMode);
}

/** The workload-wide mode (no port): mesh, then namespace, then workload, each overriding when set. */
export function workloadMode(p: ApplicablePolicies): MtlsMode {
  return set(p.workload?.spec.mtls?.mode) ?? set(p.namespace?.spec.mtls?.mode) ?? set(p.mesh?.spec.mtls?.mode) ?? 'PERMISSIVE';
}

/** The mode for one workload port: the workload policy's portLevelMtls, else the workload-wide mode. */
export function portMode(p: ApplicablePolicies, port: number): MtlsMode {
  return set(p.workload?.spec.portLevelMtls?.[String(port)]?.mode) ?? workloadMode(p);
}

/**
 * What a client can know about a service's servers without looking at each workload: the
 * namespace policy, else the mesh policy (Istio's BestEffortInferServiceMTLSMode).
 */
export function namespaceMode(index: PeerAuthenticationIndex, namespace: string, rootNamespace: string): MtlsMode {
  const { mesh, namespace: ns } = applicablePolicies(index, { namespace, labels: {}, rootNamespace });
  return workloadMode({ ...(mesh ? { mesh } : {}), ...(ns ? { namespace: ns } : {}) });
}
