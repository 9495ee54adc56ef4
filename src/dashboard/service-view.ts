// The per-service page: which config applies to a service's workloads — VirtualServices and
// DestinationRules by host, PeerAuthentication and AuthorizationPolicy by the workloads' labels,
// read from the PushContext exactly as translation reads them — each with its validation status
// from the analyzers, and the xDS sync status of the service's proxies.
import type { AnalysisMessage } from '../analyze/index.js';
import { hostMatches, resolveHost } from '../api/hosts.js';
import type { Resource } from '../api/resource.js';
import { applicablePolicies, MESH_GATEWAY, policyApplies, type ProxyNode, type PushContext } from '../control/model/index.js';
import type { SyncStatus } from '../control/xds/index.js';
import { serviceKey, type Endpoint, type Service } from '../registry/types.js';

export type ConfigStatus = 'Valid' | 'Warning' | 'Error';

export interface AppliedConfig {
  kind: string;
  namespace: string;
  name: string;
  /** Why it applies: `host reviews.default.svc.cluster.local`, `workload selector`, `namespace-wide` … */
  reason: string;
  status: ConfigStatus;
  messages: AnalysisMessage[];
  spec: unknown;
}

export interface ServiceSummary {
  host: string;
  namespace: string;
  name: string;
  ports: { name: string; number: number; protocol: string }[];
  /** Distinct workload versions behind it (`version` label; "" when none). */
  versions: string[];
  endpoints: number;
  configs: number;
  status: ConfigStatus;
}

export interface ServiceDetail extends ServiceSummary {
  config: AppliedConfig[];
  endpointList: { address: string; port: number; health: string; version: string; workload: string }[];
  proxies: SyncStatus[];
}

/** What the page needs from the manager, so it can be built from any snapshot in tests. */
export interface ServiceViewInputs {
  push: PushContext;
  messages: readonly AnalysisMessage[];
  syncz: readonly SyncStatus[];
  proxies: readonly ProxyNode[];
}

export function serviceSummaries(inputs: ServiceViewInputs): ServiceSummary[] {
  return inputs.push.registry.services
    .filter((s) => !s.hostname.startsWith('*'))
    .map((s) => summary(s, inputs, appliedConfig(s, inputs)))
    .sort((a, b) => a.host.localeCompare(b.host));
}

/** The service with this host (or short name), or undefined. */
export function serviceDetail(inputs: ServiceViewInputs, hostOrName: string): ServiceDetail | undefined {
  const services = inputs.push.registry.services;
  const s = services.find((c) => c.hostname === hostOrName) ?? services.find((c) => c.hostname.split('.')[0] === hostOrName);
  if (!s) return undefined;
  const config = appliedConfig(s, inputs);
  const endpoints = endpointsOf(s, inputs.push);
  const proxyIds = new Set(endpoints.map((e) => e.workload));
  return {
    ...summary(s, inputs, config),
    config,
    endpointList: endpoints.map((e) => ({ address: e.address, port: e.port, health: e.health, version: e.labels.version ?? '', workload: e.workload })),
    proxies: inputs.syncz.filter((p) => proxyIds.has(p.id)),
  };
}

function summary(s: Service, inputs: ServiceViewInputs, config: AppliedConfig[]): ServiceSummary {
  const endpoints = endpointsOf(s, inputs.push);
  return {
    host: s.hostname,
    namespace: s.namespace,
    name: s.hostname.split('.')[0]!,
    ports: s.ports.map((p) => ({ name: p.name, number: p.port, protocol: p.protocol })),
    versions: [...new Set(endpoints.map((e) => e.labels.version ?? ''))].sort(),
    endpoints: endpoints.length,
    configs: config.length,
    status: worst(config.map((c) => c.status)),
  };
}

function endpointsOf(s: Service, push: PushContext): readonly Endpoint[] {
  return push.registry.endpoints.get(serviceKey(s)) ?? [];
}

function appliedConfig(s: Service, inputs: ServiceViewInputs): AppliedConfig[] {
  const { push } = inputs;
  const out: AppliedConfig[] = [];
  const seen = new Set<string>();
  const add = (resource: Resource, reason: string) => {
    const key = `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const messages = inputs.messages.filter((m) => m.resource === `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name}`);
    out.push({
      kind: resource.kind,
      namespace: resource.metadata.namespace,
      name: resource.metadata.name,
      reason,
      status: worst(messages.map((m) => (m.severity === 'Error' ? 'Error' : m.severity === 'Warning' ? 'Warning' : 'Valid'))),
      messages,
      spec: resource.spec,
    });
  };
  for (const vs of push.indexes.virtualServices.all) {
    // A sidecar's VirtualService applies by host; a gateway's (often `hosts: ["*"]`) only where
    // one of its routes sends traffic to this service.
    const host = vs.gateways.includes(MESH_GATEWAY) ? vs.hosts.find((h) => hostMatches(h, s.hostname)) : undefined;
    if (host) add(vs.resource, `routes host ${host}`);
    else if (routeHosts(vs.resource.spec, vs.namespace, push.domainSuffix).includes(s.hostname)) add(vs.resource, `routes to it from ${vs.gateways.join(', ')}`);
  }
  for (const dr of push.indexes.destinationRules.all) {
    if (hostMatches(dr.host, s.hostname)) add(dr.resource, `host ${dr.host}`);
  }
  // Policies select workloads, not hosts: ask for each distinct workload behind the service.
  const rootNamespace = push.mesh.rootNamespace;
  const workloads = new Map<string, ProxyNode>();
  for (const e of endpointsOf(s, push)) {
    const proxy = inputs.proxies.find((p) => p.id === e.workload) ?? pseudoProxy(e, s.namespace);
    workloads.set(JSON.stringify([proxy.namespace, Object.entries(proxy.labels).sort()]), proxy);
  }
  for (const w of workloads.values()) {
    const pa = applicablePolicies(push.indexes.peerAuthentications, { namespace: w.namespace, labels: w.labels, rootNamespace });
    if (pa.mesh) add(pa.mesh.resource, 'mesh-wide (root namespace)');
    if (pa.namespace) add(pa.namespace.resource, `namespace-wide (${w.namespace})`);
    if (pa.workload) add(pa.workload.resource, 'workload selector');
    for (const entries of push.indexes.authorizationPolicies.byNamespace.values()) {
      for (const ap of entries) if (policyApplies(ap, w, rootNamespace)) add(ap.resource, ap.spec.selector ? 'workload selector' : ap.namespace === rootNamespace ? 'mesh-wide (root namespace)' : `namespace-wide (${ap.namespace})`);
    }
  }
  return out;
}

function pseudoProxy(e: Endpoint, namespace: string): ProxyNode {
  return { id: e.workload, type: 'sidecar', namespace, labels: { ...e.labels }, ips: [e.address], metadata: {} };
}

function worst(statuses: readonly ConfigStatus[]): ConfigStatus {
  if (statuses.includes('Error')) return 'Error';
  if (statuses.includes('Warning')) return 'Warning';
  return 'Valid';
}

/** Every destination host a VirtualService's http, tls and tcp routes name, resolved to FQDNs. */
function routeHosts(spec: unknown, namespace: string, domainSuffix: string): string[] {
  const out: string[] = [];
  const routes = spec as Record<string, { route?: { destination?: { host?: string } }[] }[] | undefined>;
  for (const kind of ['http', 'tls', 'tcp']) {
    for (const rule of routes[kind] ?? []) {
      for (const r of rule.route ?? []) if (r.destination?.host) out.push(resolveHost(r.destination.host, namespace, domainSuffix));
    }
  }
  return out;
}
