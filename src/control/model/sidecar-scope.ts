// The Sidecar resource that applies to a proxy, and the egress scope it defines: which
// (namespace, host) pairs the proxy may reach, as a whole and per egress listener. Istio's
// choice: a Sidecar in the proxy's namespace whose workloadSelector matches it, else its
// namespace's Sidecar without selector, else the root namespace's Sidecar without selector,
// else everything.
import { hostMatches } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import type { SidecarSpec } from '../../api/networking/sidecar.js';
import { parseProtocolName } from '../../registry/protocol.js';
import type { PortProtocol } from '../../registry/types.js';
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

/** What one egress listener may reach. */
export interface EgressListenerScope {
  /**
   * The port the listener declares; undefined for the catch-all listener. The protocol is the
   * `protocol` field; without it Istio sniffs, Isthmus does not, so it is TCP.
   */
  readonly port?: { readonly number: number; readonly protocol: PortProtocol; readonly name?: string };
  /** `bind` as written ("" when unset). */
  readonly bind: string;
  /** Whether a host defined in `namespace` is in this listener's scope. */
  includes(namespace: string, host: string): boolean;
}

export interface SidecarScope {
  /** The Sidecar in force, if any. */
  readonly sidecar?: Resource<SidecarSpec>;
  /** undefined: no Sidecar egress, everything exported to the namespace is in scope. */
  readonly egress?: readonly EgressHost[];
  readonly outboundMode: 'REGISTRY_ONLY' | 'ALLOW_ANY';
  /** Whether a host defined in `namespace` is in scope (of any egress listener). */
  includes(namespace: string, host: string): boolean;
  /** Whether some namespace's `host` could be in scope (for changes whose namespace is unknown). */
  includesAnyNamespace(host: string): boolean;
  /** Egress listeners that declare an IP port, in the Sidecar's order (unix sockets are left out). */
  readonly portListeners: readonly EgressListenerScope[];
  /**
   * The catch-all: the Sidecar's egress listener without a port, or everything when there is no
   * Sidecar egress; undefined when the Sidecar's egress listeners all declare ports.
   */
  readonly catchAll?: EgressListenerScope;
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

const EVERYTHING: EgressListenerScope = Object.freeze({ bind: '', includes: () => true });

function parseHosts(hosts: readonly string[], proxyNamespace: string): EgressHost[] {
  return hosts.map((h) => {
    const slash = h.indexOf('/');
    const ns = h.slice(0, slash);
    // "." is the workload's own namespace, also when the Sidecar is the root-namespace default.
    return { namespace: ns === '.' ? proxyNamespace : ns, host: h.slice(slash + 1) };
  });
}

function matcher(egress: readonly EgressHost[]): (namespace: string, host: string) => boolean {
  return (namespace, host) =>
    egress.some((e) => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace) && (hostMatches(e.host, host) || hostMatches(host, e.host)));
}

export function buildSidecarScope(sidecar: Resource<SidecarSpec> | undefined, proxyNamespace: string, meshOutboundMode: 'REGISTRY_ONLY' | 'ALLOW_ANY'): SidecarScope {
  const outboundMode = sidecar?.spec.outboundTrafficPolicy?.mode ?? meshOutboundMode;
  const listeners = sidecar?.spec.egress;
  if (!sidecar || !listeners || listeners.length === 0) {
    return { sidecar, outboundMode, includes: () => true, includesAnyNamespace: () => true, portListeners: [], catchAll: EVERYTHING };
  }
  const egress: EgressHost[] = [];
  const portListeners: EgressListenerScope[] = [];
  let catchAll: EgressListenerScope | undefined;
  for (const l of listeners) {
    const hosts = parseHosts(l.hosts, proxyNamespace);
    egress.push(...hosts);
    const scope = { bind: l.bind ?? '', includes: matcher(hosts) };
    if (l.port === undefined) catchAll = scope;
    else if (l.port.number > 0) {
      portListeners.push({ ...scope, port: { number: l.port.number, protocol: parseProtocolName(l.port.protocol) ?? 'TCP', name: l.port.name } });
    }
  }
  const includes = matcher(egress);
  const includesAnyNamespace = (host: string) => egress.some((e) => e.namespace !== '~' && (hostMatches(e.host, host) || hostMatches(host, e.host)));
  return { sidecar, egress, outboundMode, includes, includesAnyNamespace, portListeners, catchAll };
}
