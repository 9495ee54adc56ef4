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

/**
 * An entry without a workloadSelector yields the same services and endpoints until the entry
 * itself changes, so its result is kept with the (immutable) resource object: unchanged entries
 * then give the very same objects in the next snapshot, which lets later stages compare and
 * cache by identity instead of by content.
 */
const entryResults = new WeakMap<Resource, { domainSuffix: string | undefined; result: ReturnType<typeof servicesFromEntry> }>();

function entryServices(r: Resource<ServiceEntrySpec>, workloads: readonly WorkloadInstance[], domainSuffix: string | undefined): ReturnType<typeof servicesFromEntry> {
  if (r.spec.workloadSelector) return servicesFromEntry(r, workloads, domainSuffix);
  const hit = entryResults.get(r);
  if (hit && hit.domainSuffix === domainSuffix) return hit.result;
  const result = servicesFromEntry(r, workloads, domainSuffix);
  entryResults.set(r, { domainSuffix, result });
  return result;
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
    const result = entryServices(r, workloads, inputs.domainSuffix);
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
  const index = (snap: RegistrySnapshot) => new Map(snap.services.map((s) => [serviceKey(s), { s, eps: snap.endpoints.get(serviceKey(s)) ?? [] }]));
  const a = index(before);
  const b = index(after);
  const host = (k: string) => k.slice(k.indexOf('/') + 1);
  for (const [k, x] of a) {
    const y = b.get(k);
    // Unchanged entries give the same objects (see entryServices); only the rest are compared by content.
    if (!y || (x.s !== y.s || x.eps !== y.eps) && JSON.stringify([x.s, x.eps]) !== JSON.stringify([y.s, y.eps])) out.add(host(k));
  }
  for (const k of b.keys()) if (!a.has(k)) out.add(host(k));
  return out;
}
