// ServiceEntry → services and endpoints, as Istio's serviceentry controller does: one service
// per host, endpoints from inline `endpoints` or from the workloads its `workloadSelector`
// selects in its own namespace.
import { resolveHost } from '../api/hosts.js';
import { resourceKey, type Resource } from '../api/resource.js';
import type { ServiceEntrySpec } from '../api/networking/service-entry.js';
import { protocolFromPortName } from './protocol.js';
import { labelsMatch } from './workloads.js';
import type { Endpoint, Service, ServicePort, WorkloadInstance } from './types.js';

export interface ServiceEntryResult {
  services: Service[];
  /** Endpoints shared by every host of the entry. */
  endpoints: Endpoint[];
  /** Keys of workloads the entry selected (so they imply no service of their own). */
  selected: string[];
}

export function normaliseExportTo(list: readonly string[] | undefined, namespace: string): string[] {
  if (!list || list.length === 0) return ['*'];
  if (list.includes('*')) return ['*'];
  if (list.includes('~')) return [];
  return [...new Set(list.map((e) => (e === '.' ? namespace : e)))];
}

export function servicesFromEntry(r: Resource<ServiceEntrySpec>, workloads: readonly WorkloadInstance[], domainSuffix?: string): ServiceEntryResult {
  const spec = r.spec;
  const ns = r.metadata.namespace;
  const source = resourceKey(r);
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => Object.freeze({ name: p.name, port: p.number, protocol: protocolFromPortName(p.name, p.protocol) }));
  const targetPort = new Map((spec.ports ?? []).map((p) => [p.name, p.targetPort ?? p.number]));
  const resolution = spec.resolution ?? 'NONE';
  const services = spec.hosts.map((h) => Object.freeze({
    hostname: resolveHost(h, ns, domainSuffix),
    namespace: ns,
    ports: Object.freeze(ports),
    resolution,
    location: spec.location ?? 'MESH_EXTERNAL',
    exportTo: Object.freeze(normaliseExportTo(spec.exportTo, ns)),
    addresses: Object.freeze([...(spec.addresses ?? [])]),
    subjectAltNames: Object.freeze([...(spec.subjectAltNames ?? [])]),
    origin: 'ServiceEntry' as const,
    source,
  }));

  const endpoints: Endpoint[] = [];
  const selected: string[] = [];
  const add = (w: { address: string; ports: Readonly<Record<string, number>>; labels: Readonly<Record<string, string>>; locality: string; weight: number; health: Endpoint['health']; serviceAccount?: string; network?: string }, workload: string) => {
    for (const p of ports) {
      endpoints.push(Object.freeze({
        address: w.address,
        port: w.ports[p.name] ?? targetPort.get(p.name) ?? p.port,
        servicePort: p.port,
        servicePortName: p.name,
        labels: w.labels,
        locality: w.locality,
        weight: w.weight,
        health: w.health,
        serviceAccount: w.serviceAccount,
        network: w.network,
        workload,
      }));
    }
  };

  if (spec.workloadSelector) {
    for (const w of workloads) {
      if (w.namespace !== ns || !labelsMatch(spec.workloadSelector.labels, w.labels)) continue;
      selected.push(w.key);
      add(w, w.key);
    }
  } else if (spec.endpoints && spec.endpoints.length > 0) {
    spec.endpoints.forEach((e, i) => add({
      address: e.address ?? '',
      ports: e.ports ?? {},
      labels: Object.freeze({ ...(e.labels ?? {}) }),
      locality: e.locality ?? '',
      weight: e.weight ?? 1,
      health: 'HEALTHY',
      serviceAccount: e.serviceAccount,
      network: e.network,
    }, `${source}#${i}`));
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    // Without endpoints, each host is itself the DNS name to resolve (Istio does the same).
    for (const s of services) {
      if (s.hostname.startsWith('*')) continue;
      for (const p of ports) {
        endpoints.push(Object.freeze({
          address: s.hostname, port: targetPort.get(p.name) ?? p.port, servicePort: p.port, servicePortName: p.name,
          labels: Object.freeze({}), locality: '', weight: 1, health: 'HEALTHY', workload: `${source}#${s.hostname}`,
        }));
      }
    }
  }
  return { services, endpoints, selected };
}
