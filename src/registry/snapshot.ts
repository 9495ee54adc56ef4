// The pure core of the registry: config resources plus registered workloads → one immutable
// RegistrySnapshot. The ServiceRegistry class only keeps state and calls this.
import type { Resource } from '../api/resource.js';
import type { ServiceEntrySpec } from '../api/networking/service-entry.js';
import type { WorkloadEntrySpec } from '../api/networking/workload-entry.js';
import { impliedServices } from './implied.js';
import { servicesFromEntry } from './service-entry.js';
import { workloadFromEntry } from './workloads.js';
import { serviceKey, type Endpoint, type RegistrySnapshot, type Service, type WorkloadInstance } from './types.js';

export interface RegistryInputs {
  /** Config resources; only ServiceEntry and WorkloadEntry are read. */
  resources: readonly Resource[];
  /** Workloads that registered themselves, already converted. */
  registered?: readonly WorkloadInstance[];
  version?: number;
  domainSuffix?: string;
}

export function buildRegistrySnapshot(inputs: RegistryInputs): RegistrySnapshot {
  const workloads: WorkloadInstance[] = [
    ...inputs.resources.filter((r) => r.kind === 'WorkloadEntry').map((r) => workloadFromEntry(r as Resource<WorkloadEntrySpec>)),
    ...(inputs.registered ?? []),
  ].sort((a, b) => a.key.localeCompare(b.key));

  const services: Service[] = [];
  const endpoints = new Map<string, Endpoint[]>();
  const selected = new Set<string>();
  const entries = inputs.resources.filter((r) => r.kind === 'ServiceEntry') as Resource<ServiceEntrySpec>[];
  for (const r of entries) {
    const result = servicesFromEntry(r, workloads, inputs.domainSuffix);
    result.selected.forEach((k) => selected.add(k));
    for (const s of result.services) {
      const key = serviceKey(s);
      // Two entries defining the same host in one namespace: the first (by resource key) wins,
      // as Istio keeps the oldest; their endpoints are not mixed.
      if (endpoints.has(key)) continue;
      services.push(s);
      endpoints.set(key, result.endpoints);
    }
  }
  const implied = impliedServices(workloads, selected, inputs.domainSuffix);
  for (const s of implied.services) {
    const key = serviceKey(s);
    if (endpoints.has(key)) continue;
    services.push(s);
    endpoints.set(key, implied.endpoints.get(key) ?? []);
  }
  const frozen = new Map([...endpoints].map(([k, v]) => [k, Object.freeze(v)] as const));
  return Object.freeze({
    version: inputs.version ?? 1,
    services: Object.freeze(services),
    endpoints: frozen,
    workloads: Object.freeze(workloads),
  });
}

/** Hosts whose service definition or endpoints differ between two snapshots. */
export function changedHosts(before: RegistrySnapshot, after: RegistrySnapshot): Set<string> {
  const out = new Set<string>();
  const describe = (snap: RegistrySnapshot) => {
    const m = new Map<string, string>();
    for (const s of snap.services) m.set(serviceKey(s), JSON.stringify([s, snap.endpoints.get(serviceKey(s)) ?? []]));
    return m;
  };
  const a = describe(before);
  const b = describe(after);
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k.slice(k.indexOf('/') + 1));
  for (const k of b.keys()) if (!a.has(k)) out.add(k.slice(k.indexOf('/') + 1));
  return out;
}
