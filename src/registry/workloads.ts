// Workload instances from the two sources that describe single workloads: WorkloadEntry
// resources and proxies that register themselves when they connect (VM-style).
import { resourceKey, type Resource } from '../api/resource.js';
import type { WorkloadEntrySpec } from '../api/networking/workload-entry.js';
import type { ProxyNode } from '../control/model/proxy.js';
import type { EndpointHealth, WorkloadInstance } from './types.js';

export function workloadFromEntry(r: Resource<WorkloadEntrySpec>): WorkloadInstance {
  const spec = r.spec;
  const labels = { ...(spec.labels ?? {}) };
  return Object.freeze({
    key: resourceKey(r),
    namespace: r.metadata.namespace,
    address: spec.address ?? '',
    ports: Object.freeze({ ...(spec.ports ?? {}) }),
    labels: Object.freeze(labels),
    locality: spec.locality ?? '',
    weight: spec.weight ?? 1,
    health: 'HEALTHY',
    serviceAccount: spec.serviceAccount,
    network: spec.network,
    serviceName: labels.app,
    origin: 'WorkloadEntry',
  });
}

/** A proxy's self-registration; undefined when its node metadata asked for none. */
export function workloadFromProxy(proxy: ProxyNode, health: EndpointHealth = 'HEALTHY'): WorkloadInstance | undefined {
  const reg = proxy.registration;
  if (!reg) return undefined;
  const loc = proxy.locality;
  const locality = loc ? [loc.region ?? '', loc.zone ?? '', loc.subZone ?? ''].join('/').replace(/\/+$/, '') : '';
  return Object.freeze({
    key: proxy.id,
    namespace: proxy.namespace,
    address: reg.address,
    ports: Object.freeze({ ...reg.ports }),
    labels: Object.freeze({ ...proxy.labels }),
    locality,
    weight: 1,
    health,
    serviceAccount: proxy.serviceAccount,
    serviceName: reg.service || proxy.labels.app,
    origin: 'registration',
  });
}

/** Kubernetes label-selector semantics: every selector label present with the same value. */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
