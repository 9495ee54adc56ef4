// The Sidecar resource that applies to a proxy, and the egress scope it defines: which
// (namespace, host) pairs the proxy may reach. Istio's choice: a Sidecar in the proxy's
// namespace whose workloadSelector matches it, else its namespace's Sidecar without selector,
// else the root namespace's Sidecar without selector, else everything.
import { hostMatches } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import type { SidecarSpec } from '../../api/networking/sidecar.js';
import { labelsMatch } from '../../registry/workloads.js';
import { byAge } from './visibility.js';

export interface SidecarIndex {
  readonly byNamespace: ReadonlyMap<string, readonly Resource<SidecarSpec>[]>;
  readonly rootNamespace: string;
}

export function buildSidecarIndex(resources: readonly Resource[], rootNamespace: string): SidecarIndex {
  const byNamespace = new Map<string, Resource<SidecarSpec>[]>();
  for (const r of (resources.filter((x) => x.kind === 'Sidecar') as Resource<SidecarSpec>[]).sort(byAge)) {
    byNamespace.set(r.metadata.namespace, [...(byNamespace.get(r.metadata.namespace) ?? []), r]);
  }
  return { byNamespace, rootNamespace };
}

export interface EgressHost {
  /** A namespace, `*` for any, or `~` for none. */
  namespace: string;
  /** `*`, a wildcard or an FQDN. */
  host: string;
}

export interface SidecarScope {
  /** The Sidecar in force, if any. */
  readonly sidecar?: Resource<SidecarSpec>;
  /** undefined: no Sidecar, everything exported to the namespace is in scope. */
  readonly egress?: readonly EgressHost[];
  readonly outboundMode: 'REGISTRY_ONLY' | 'ALLOW_ANY';
  /** Whether a host defined in `namespace` is in scope. */
  includes(namespace: string, host: string): boolean;
  /** Whether some namespace's `host` could be in scope (for changes whose namespace is unknown). */
  includesAnyNamespace(host: string): boolean;
}

export function selectSidecar(index: SidecarIndex, namespace: string, labels: Readonly<Record<string, string>>): Resource<SidecarSpec> | undefined {
  const local = index.byNamespace.get(namespace) ?? [];
  const selected = local.find((s) => {
    const sel = s.spec.workloadSelector?.labels;
    return sel && Object.keys(sel).length > 0 && labelsMatch(sel, labels);
  });
  const isDefault = (s: Resource<SidecarSpec>) => !s.spec.workloadSelector?.labels || Object.keys(s.spec.workloadSelector.labels).length === 0;
  return selected ?? local.find(isDefault) ?? (index.byNamespace.get(index.rootNamespace) ?? []).find(isDefault);
}

export function buildSidecarScope(sidecar: Resource<SidecarSpec> | undefined, proxyNamespace: string, meshOutboundMode: 'REGISTRY_ONLY' | 'ALLOW_ANY'): SidecarScope {
  const outboundMode = sidecar?.spec.outboundTrafficPolicy?.mode ?? meshOutboundMode;
  const listeners = sidecar?.spec.egress;
  if (!sidecar || !listeners || listeners.length === 0) {
    return { sidecar, outboundMode, includes: () => true, includesAnyNamespace: () => true };
  }
  const egress: EgressHost[] = [];
  for (const l of listeners) {
    for (const h of l.hosts) {
      const slash = h.indexOf('/');
      const ns = h.slice(0, slash);
      // "." is the workload's own namespace, also when the Sidecar is the root-namespace default.
      egress.push({ namespace: ns === '.' ? proxyNamespace : ns, host: h.slice(slash + 1) });
    }
  }
  const includes = (namespace: string, host: string) =>
    egress.some((e) => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace) && (hostMatches(e.host, host) || hostMatches(host, e.host)));
  const includesAnyNamespace = (host: string) => egress.some((e) => e.namespace !== '~' && (hostMatches(e.host, host) || hostMatches(host, e.host)));
  return { sidecar, egress, outboundMode, includes, includesAnyNamespace };
}
