// What changed between two PushContexts, and who must hear about it. `next` rebuilds only the
// indexes whose inputs changed; `affects` lets the xDS server skip proxies a change cannot
// reach (Istio's ProxyNeedsPush), e.g. a DestinationRule for a host outside a Sidecar's scope.
import { hostMatches, resolveHost } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import { changedHosts } from '../../registry/snapshot.js';
import type { RegistrySnapshot, Service } from '../../registry/types.js';
import type { ProxyNode } from './proxy.js';
import { buildAuthorizationPolicyIndex } from './authorization-policy-index.js';
import { buildDestinationRuleIndex } from './destination-rule-index.js';
import { buildGatewayIndex } from './gateway-index.js';
import { buildPeerAuthenticationIndex } from './peer-authentication-index.js';
import { PushContext, type PushIndexes, type PushInputs } from './push-context.js';
import { buildServiceIndex } from './service-index.js';
import { buildSidecarIndex } from './sidecar-scope.js';
import { buildVirtualServiceIndex } from './virtual-service-index.js';

export interface ConfigChange {
  /** Config kinds that changed (`VirtualService`, `DestinationRule`, `Sidecar`, `Gateway`, …). */
  readonly kinds: ReadonlySet<string>;
  /** The registry snapshot changed (services or endpoints). */
  readonly registry?: boolean;
  /** Mesh settings changed: everything is rebuilt and every proxy is pushed. */
  readonly mesh?: boolean;
  /** FQDN hosts the change touches; undefined means unknown, so every proxy may be affected. */
  readonly hosts?: ReadonlySet<string>;
  /** Namespaces of changed Sidecars. */
  readonly namespaces?: ReadonlySet<string>;
  /** Only endpoints changed (no service, port or config): proxies need new EDS and nothing else. */
  readonly endpointsOnly?: boolean;
}

/** A change that affects everything (first push, mesh config change). */
export const FULL_CHANGE: ConfigChange = Object.freeze({ kinds: new Set<string>(), registry: true, mesh: true });

/** Hosts a config resource is about, resolved in its namespace. */
function hostsOf(r: Resource, domainSuffix?: string): string[] {
  const ns = r.metadata.namespace;
  const spec = r.spec as { hosts?: string[]; host?: string };
  switch (r.kind) {
    case 'VirtualService':
    case 'ServiceEntry':
      return (spec.hosts ?? []).map((h) => resolveHost(h, ns, domainSuffix));
    case 'DestinationRule':
      return spec.host ? [resolveHost(spec.host, ns, domainSuffix)] : [];
    default:
      return [];
  }
}

/** The change one store event makes (`before`/`after` undefined for create/delete). */
export function changeForResource(before: Resource | undefined, after: Resource | undefined, domainSuffix?: string): ConfigChange {
  const r = (after ?? before) as Resource;
  const hostKinds = new Set(['VirtualService', 'DestinationRule', 'ServiceEntry']);
  const hosts = hostKinds.has(r.kind)
    ? new Set([...(before ? hostsOf(before, domainSuffix) : []), ...(after ? hostsOf(after, domainSuffix) : [])])
    : undefined;
  return {
    kinds: new Set([r.kind]),
    registry: r.kind === 'ServiceEntry' || r.kind === 'WorkloadEntry',
    hosts,
    namespaces: r.kind === 'Sidecar' ? new Set([r.metadata.namespace]) : undefined,
  };
}

/** The change between two registry snapshots. */
export function changeForRegistry(before: RegistrySnapshot, after: RegistrySnapshot): ConfigChange {
  const hosts = changedHosts(before, after);
  // Services the same, endpoints moved: only endpoint assignments can differ — unless a changed
  // service resolves by DNS, whose clusters carry their endpoints inline.
  const sameServices = sameServiceList(before.services, after.services);
  const inlineEndpoints = after.services.some((s) => s.resolution !== 'STATIC' && hosts.has(s.hostname));
  // Clusters also carry the service accounts of their endpoints (mTLS SANs), and a registered
  // sidecar's own listeners come from its endpoints' ports: if either moved, more than EDS did.
  const endpointsOnly = sameServices && !inlineEndpoints && endpointFacts(before) === endpointFacts(after);
  return { kinds: new Set(), registry: true, hosts, endpointsOnly };
}

/** Same services in the same order: by identity (unchanged entries keep their objects), else by content. */
function sameServiceList(a: readonly Service[], b: readonly Service[]): boolean {
  return a === b || (a.length === b.length && a.every((s, i) => s === b[i] || JSON.stringify(s) === JSON.stringify(b[i])));
}

// Each snapshot is compared twice (as `after`, then as the next change's `before`): remember.
const endpointFactTexts = new WeakMap<RegistrySnapshot, string>();

/** What translation reads from endpoints besides EDS itself, as one comparable string. */
function endpointFacts(snapshot: RegistrySnapshot): string {
  let text = endpointFactTexts.get(snapshot);
  if (text === undefined) endpointFactTexts.set(snapshot, (text = computeEndpointFacts(snapshot)));
  return text;
}

function computeEndpointFacts(snapshot: RegistrySnapshot): string {
  const facts = new Set<string>();
  for (const [key, endpoints] of snapshot.endpoints) {
    for (const e of endpoints) {
      if (e.serviceAccount) facts.add(`sa|${key}|${e.serviceAccount}`);
      if (e.workload.includes('~')) facts.add(`own|${e.workload}|${key}|${e.port}|${e.servicePort}|${e.servicePortName}`);
    }
  }
  return [...facts].sort().join('\n');
}

export function mergeChanges(...changes: ConfigChange[]): ConfigChange {
  const union = <T>(sets: (ReadonlySet<T> | undefined)[], unknownIfMissing: boolean): Set<T> | undefined => {
    if (unknownIfMissing && sets.some((s) => s === undefined)) return undefined;
    return new Set(sets.flatMap((s) => [...(s ?? [])]));
  };
  const hostChanges = changes.filter((c) => c.hosts !== undefined || hostAware(c));
  return {
    kinds: new Set(changes.flatMap((c) => [...c.kinds])),
    registry: changes.some((c) => c.registry),
    mesh: changes.some((c) => c.mesh),
    hosts: union(hostChanges.map((c) => c.hosts), true),
    namespaces: union(changes.map((c) => c.namespaces), false),
  };
}

/** Whether the change's effect is described by hosts (else by kind alone, as Sidecar/Gateway). */
function hostAware(c: ConfigChange): boolean {
  return c.registry === true || [...c.kinds].some((k) => k === 'VirtualService' || k === 'DestinationRule' || k === 'ServiceEntry' || k === 'WorkloadEntry');
}

/** The next snapshot: indexes of kinds the change did not touch are reused from `prev`. */
export function next(prev: PushContext, inputs: PushInputs, change: ConfigChange): PushContext {
  const all = change.mesh === true || inputs.domainSuffix !== undefined && inputs.domainSuffix !== prev.domainSuffix;
  const touched = (kind: string) => all || change.kinds.has(kind);
  const p = prev.indexes;
  const indexes: PushIndexes = {
    services: all || change.registry || inputs.registry !== prev.registry ? buildServiceIndex(inputs.registry) : p.services,
    virtualServices: touched('VirtualService') ? buildVirtualServiceIndex(inputs.resources, inputs.domainSuffix) : p.virtualServices,
    destinationRules: touched('DestinationRule') ? buildDestinationRuleIndex(inputs.resources, inputs.domainSuffix) : p.destinationRules,
    sidecars: touched('Sidecar') || inputs.mesh.rootNamespace !== prev.mesh.rootNamespace ? buildSidecarIndex(inputs.resources, inputs.mesh.rootNamespace) : p.sidecars,
    gateways: touched('Gateway') ? buildGatewayIndex(inputs.resources) : p.gateways,
    peerAuthentications: touched('PeerAuthentication') ? buildPeerAuthenticationIndex(inputs.resources) : p.peerAuthentications,
    authorizationPolicies: touched('AuthorizationPolicy') || inputs.mesh.rootNamespace !== prev.mesh.rootNamespace
      ? buildAuthorizationPolicyIndex(inputs.resources, inputs.mesh.rootNamespace) : p.authorizationPolicies,
  };
  const n = Number(prev.version);
  return new PushContext(inputs, indexes, Number.isFinite(n) ? String(n + 1) : `${prev.version}+1`);
}

/** Whether `proxy` must be pushed after `change`, judged against the new snapshot. */
export function affects(change: ConfigChange, proxy: ProxyNode, push: PushContext): boolean {
  if (change.mesh) return true;
  const isRouter = proxy.type === 'router';
  if (change.kinds.has('Gateway') && isRouter) return true;
  if (change.kinds.has('Sidecar') && !isRouter) {
    const ns = change.namespaces;
    if (!ns || ns.has(proxy.namespace) || ns.has(push.mesh.rootNamespace)) return true;
  }
  // Authorization becomes RBAC filters on the inbound and gateway listeners of every kind of proxy but proxyless.
  if (change.kinds.has('AuthorizationPolicy') && proxy.type !== 'proxyless') return true;
  // PeerAuthentication decides inbound chains and, through auto mTLS, clients' clusters and endpoints.
  if (change.kinds.has('PeerAuthentication') && proxy.type !== 'proxyless') return true;
  // RequestAuthentication becomes the jwt_authn filter on the same inbound and gateway listeners.
  if (change.kinds.has('RequestAuthentication') && proxy.type !== 'proxyless') return true;
  // Routers bind VirtualServices by gateway, whose hosts need not be services.
  if (change.kinds.has('VirtualService') && isRouter) return true;
  if (!hostAware(change)) return false;
  if (change.hosts === undefined) return true;
  if (change.hosts.size === 0) return false;
  const ownHost = proxy.registration ? `${proxy.registration.service}.${proxy.namespace}.${push.domainSuffix}` : undefined;
  const scope = push.sidecarScope(proxy);
  const visible = push.servicesFor(proxy);
  for (const h of change.hosts) {
    if (h === ownHost) return true;
    if (visible.some((s) => hostMatches(h, s.hostname) || hostMatches(s.hostname, h))) return true;
    // A VirtualService for a host no service defines still produces routes the proxy sees.
    if (change.kinds.has('VirtualService') && scope.includesAnyNamespace(h)) return true;
  }
  return false;
}

/** What `affects` reads from a proxy, as one string, kept per (immutable) ProxyNode. */
const affectsKeys = new WeakMap<ProxyNode, string>();

function affectsKey(proxy: ProxyNode): string {
  let key = affectsKeys.get(proxy);
  if (key === undefined) {
    const labels = Object.entries(proxy.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    affectsKeys.set(proxy, (key = JSON.stringify([proxy.type, proxy.namespace, labels, proxy.registration?.service ?? null])));
  }
  return key;
}

/**
 * `affects` for one change and snapshot, answered once per kind of proxy: a push asks it for
 * every connected proxy, and most of them look alike to it.
 */
export function affectsOnce(change: ConfigChange, push: PushContext): (proxy: ProxyNode) => boolean {
  const answers = new Map<string, boolean>();
  return (proxy) => {
    const key = affectsKey(proxy);
    let answer = answers.get(key);
    if (answer === undefined) answers.set(key, (answer = affects(change, proxy, push)));
    return answer;
  };
}
