// Isthmus's convention for meshes without Kubernetes Services: a workload that names a service
// (label `app: NAME`, or its proxy's registration.service) and that no ServiceEntry selects
// implies the service `NAME.<namespace>.svc.cluster.local`, with the workload's named ports.
import { DEFAULT_DOMAIN_SUFFIX } from '../api/hosts.js';
import { protocolFromPortName } from './protocol.js';
import type { Endpoint, Service, ServicePort, WorkloadInstance } from './types.js';

export interface ImpliedResult {
  services: Service[];
  /** Endpoints keyed like RegistrySnapshot.endpoints. */
  endpoints: Map<string, Endpoint[]>;
}

export function impliedServices(workloads: readonly WorkloadInstance[], selected: ReadonlySet<string>, domainSuffix = DEFAULT_DOMAIN_SUFFIX): ImpliedResult {
  const groups = new Map<string, WorkloadInstance[]>();
  for (const w of workloads) {
    if (!w.serviceName || selected.has(w.key)) continue;
    const host = `${w.serviceName}.${w.namespace}.${domainSuffix}`;
    const key = `${w.namespace}/${host}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const services: Service[] = [];
  const endpoints = new Map<string, Endpoint[]>();
  for (const [key, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const first = members[0] as WorkloadInstance;
    const hostname = key.slice(key.indexOf('/') + 1);
    // The union of the members' ports; the first workload (by key) to name a port defines its number.
    const ports = new Map<string, ServicePort>();
    for (const w of [...members].sort((a, b) => a.key.localeCompare(b.key))) {
      for (const [name, port] of Object.entries(w.ports)) {
        if (!ports.has(name)) ports.set(name, Object.freeze({ name, port, protocol: protocolFromPortName(name) }));
      }
    }
    const portList = Object.freeze([...ports.values()].sort((a, b) => a.port - b.port));
    services.push(Object.freeze({
      hostname,
      namespace: first.namespace,
      ports: portList,
      resolution: 'STATIC',
      location: 'MESH_INTERNAL',
      exportTo: Object.freeze(['*']),
      addresses: Object.freeze([]),
      subjectAltNames: Object.freeze([]),
      origin: first.origin,
      source: first.key,
    }));
    const eps: Endpoint[] = [];
    for (const w of members) {
      for (const p of portList) {
        const port = w.ports[p.name];
        if (port === undefined) continue;
        eps.push(Object.freeze({
          address: w.address, port, servicePort: p.port, servicePortName: p.name, labels: w.labels, locality: w.locality,
          weight: w.weight, health: w.health, serviceAccount: w.serviceAccount, network: w.network, workload: w.key,
        }));
      }
    }
    endpoints.set(key, eps);
  }
  return { services, endpoints };
}
