// PushContext: one immutable snapshot of everything translation needs — config, registry and
// mesh settings — with the indexes built once per change instead of once per proxy.
import { DEFAULT_DOMAIN_SUFFIX, hostMatches } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import type { ResolvedMeshConfig } from '../../api/mesh/resolve.js';
import { type Endpoint, type RegistrySnapshot, type Service } from '../../registry/types.js';
import type { ProxyNode } from './proxy.js';
import { authorizationPoliciesFor, buildAuthorizationPolicyIndex, type AuthorizationPolicyEntry, type AuthorizationPolicyIndex } from './authorization-policy-index.js';
import { buildDestinationRuleIndex, lookupDestinationRule, type DestinationRuleEntry, type DestinationRuleIndex } from './destination-rule-index.js';
import { buildPeerAuthenticationIndex, applicablePolicies, namespaceMode, portMode, type MtlsMode, type PeerAuthenticationIndex } from './peer-authentication-index.js';
import { buildGatewayIndex, gatewaysForLabels, type GatewayEntry, type GatewayIndex } from './gateway-index.js';
import { buildServiceIndex, endpointKey, type ServiceIndex } from './service-index.js';
import { buildSidecarIndex, buildSidecarScope, selectSidecar, type SidecarIndex, type SidecarScope } from './sidecar-scope.js';
import { buildVirtualServiceIndex, MESH_GATEWAY, type VirtualServiceEntry, type VirtualServiceIndex } from './virtual-service-index.js';
import { isVisibleTo } from './visibility.js';

export interface PushInputs {
  /** Config resources from the store (every kind; each index reads its own). */
  resources: readonly Resource[];
  registry: RegistrySnapshot;
  mesh: ResolvedMeshConfig;
  domainSuffix?: string;
}

export interface PushIndexes {
  readonly services: ServiceIndex;
  readonly virtualServices: VirtualServiceIndex;
  readonly destinationRules: DestinationRuleIndex;
  readonly sidecars: SidecarIndex;
  readonly gateways: GatewayIndex;
  readonly peerAuthentications: PeerAuthenticationIndex;
  readonly authorizationPolicies: AuthorizationPolicyIndex;
}

export class PushContext {
  readonly version: string;
  readonly resources: readonly Resource[];
  readonly registry: RegistrySnapshot;
  readonly mesh: ResolvedMeshConfig;
  readonly domainSuffix: string;
  readonly indexes: PushIndexes;
  /** Filled lazily; the snapshot itself never changes. */
  private readonly servicesMemo = new Map<string, Service[]>();

  constructor(inputs: PushInputs, indexes: PushIndexes, version: string) {
    this.version = version;
    this.resources = Object.freeze([...inputs.resources]);
    this.registry = inputs.registry;
    this.mesh = inputs.mesh;
    this.domainSuffix = inputs.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
    this.indexes = Object.freeze({ ...indexes });
    Object.freeze(this);
  }

  sidecarScope(proxy: ProxyNode): SidecarScope {
    const sidecar = proxy.type === 'router' ? undefined : selectSidecar(this.indexes.sidecars, proxy.namespace, proxy.labels);
    return buildSidecarScope(sidecar, proxy.namespace, this.mesh.outboundTrafficPolicy.mode);
  }

  /** Whether the proxy may see and reach the service: exported to its namespace and in its Sidecar scope. */
  isServiceVisible(proxy: ProxyNode, s: Service, scope = this.sidecarScope(proxy)): boolean {
    return isVisibleTo(s.exportTo, proxy.namespace) && scope.includes(s.namespace, s.hostname);
  }

  /** Services the proxy may reach, one per host (its own namespace's definition preferred). */
  servicesFor(proxy: ProxyNode): readonly Service[] {
    // Depends only on what picks the Sidecar scope; alike proxies share the answer.
    const key = `${proxy.type}|${proxy.namespace}|${JSON.stringify(Object.entries(proxy.labels).sort())}`;
    let services = this.servicesMemo.get(key);
    if (!services) {
      services = this.computeServicesFor(proxy);
      this.servicesMemo.set(key, services);
    }
    return services;
  }

  private computeServicesFor(proxy: ProxyNode): Service[] {
    const scope = this.sidecarScope(proxy);
    const out: Service[] = [];
    for (const [, candidates] of this.indexes.services.byHost) {
      const s = pickService(candidates.filter((c) => this.isServiceVisible(proxy, c, scope)), proxy.namespace);
      if (s) out.push(s);
    }
    return out.sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /** The visible service for an exact host, or undefined. */
  serviceFor(proxy: ProxyNode, host: string): Service | undefined {
    const scope = this.sidecarScope(proxy);
    return pickService((this.indexes.services.byHost.get(host) ?? []).filter((c) => this.isServiceVisible(proxy, c, scope)), proxy.namespace);
  }

  /** Any service with this host, ignoring visibility (for inbound and gateways' own lookups). */
  anyService(host: string, preferNamespace?: string): Service | undefined {
    return pickService(this.indexes.services.byHost.get(host) ?? [], preferNamespace ?? '');
  }

  endpoints(s: Service, port: number): readonly Endpoint[] {
    return this.indexes.services.endpointsByPort.get(endpointKey(s, port)) ?? [];
  }

  /**
   * VirtualServices bound to `gateway` (`mesh` for sidecars and proxyless clients) that the
   * proxy's namespace may see and — for `mesh` — whose hosts are in its Sidecar scope.
   */
  virtualServicesFor(proxy: ProxyNode, gateway: string = MESH_GATEWAY): VirtualServiceEntry[] {
    const scope = gateway === MESH_GATEWAY ? this.sidecarScope(proxy) : undefined;
    return (this.indexes.virtualServices.byGateway.get(gateway) ?? []).filter((vs) =>
      isVisibleTo(vs.exportTo, proxy.namespace) && (!scope || vs.hosts.some((h) => scope.includes(vs.namespace, h))));
  }

  /** The VirtualService (first by age) that routes `host` for this proxy, for gateway `mesh`. */
  virtualServiceForHost(proxy: ProxyNode, host: string): VirtualServiceEntry | undefined {
    const all = this.virtualServicesFor(proxy);
    return all.find((vs) => vs.hosts.includes(host)) ?? all.find((vs) => vs.hosts.some((h) => hostMatches(h, host)));
  }

  destinationRule(proxy: ProxyNode, host: string, serviceNamespace?: string): DestinationRuleEntry | undefined {
    return lookupDestinationRule(this.indexes.destinationRules, {
      proxyNamespace: proxy.namespace,
      proxyLabels: proxy.labels,
      host,
      serviceNamespace,
      rootNamespace: this.mesh.rootNamespace,
    });
  }

  gatewaysFor(proxy: ProxyNode): GatewayEntry[] {
    return proxy.type === 'router' ? gatewaysForLabels(this.indexes.gateways, proxy.labels) : [];
  }

  /** The PeerAuthentication mode of a workload's port (Istio's precedence; PERMISSIVE by default). */
  peerAuthenticationMode(namespace: string, labels: Readonly<Record<string, string>>, port: number): MtlsMode {
    return portMode(applicablePolicies(this.indexes.peerAuthentications, { namespace, labels, rootNamespace: this.mesh.rootNamespace }), port);
  }

  /** The mode a client may assume for a namespace's servers: its namespace policy, else the mesh's. */
  namespacePeerAuthenticationMode(namespace: string): MtlsMode {
    return namespaceMode(this.indexes.peerAuthentications, namespace, this.mesh.rootNamespace);
  }

  /** AuthorizationPolicies that apply to the proxy's workload (root namespace first, then by age). */
  authorizationPoliciesFor(proxy: ProxyNode): AuthorizationPolicyEntry[] {
    return authorizationPoliciesFor(this.indexes.authorizationPolicies, proxy);
  }
}

function pickService(candidates: readonly Service[], namespace: string): Service | undefined {
  return candidates.find((c) => c.namespace === namespace) ?? candidates[0];
}

export function buildIndexes(inputs: PushInputs): PushIndexes {
  return {
    services: buildServiceIndex(inputs.registry),
    virtualServices: buildVirtualServiceIndex(inputs.resources, inputs.domainSuffix),
    destinationRules: buildDestinationRuleIndex(inputs.resources, inputs.domainSuffix),
    sidecars: buildSidecarIndex(inputs.resources, inputs.mesh.rootNamespace),
    gateways: buildGatewayIndex(inputs.resources),
    peerAuthentications: buildPeerAuthenticationIndex(inputs.resources),
    authorizationPolicies: buildAuthorizationPolicyIndex(inputs.resources, inputs.mesh.rootNamespace),
  };
}

export function buildPushContext(inputs: PushInputs, version = '1'): PushContext {
  return new PushContext(inputs, buildIndexes(inputs), version);
}

