// A node of the service graph: a workload at one version (Kiali's versioned workload), or a
// service that requests were sent to but that no workload answered (a fault abort, no healthy
// upstream): those requests never reached a workload, so they cannot be charged to one.

export type NodeKind = 'workload' | 'gateway' | 'service';

export interface NodeRef {
  /** Stable id: `namespace/workload/version`, or `service:namespace/name`. */
  id: string;
  kind: NodeKind;
  namespace: string;
  /** The workload (WORKLOAD_NAME), or the service's short name. */
  name: string;
  /** The `version` label; "" when the workload has none. */
  version: string;
  /** What a person reads: `reviews-v2`, `istio-ingressgateway`, `ratings`. */
  label: string;
}

const UNKNOWN = 'unknown';

function known(value: string | undefined): string {
  return value === undefined || value === UNKNOWN ? '' : value;
}

export function workloadRef(namespace: string, workload: string, version: string | undefined, gateway = false): NodeRef {
  const v = known(version);
  // Kubernetes workloads are often already named by version (reviews-v2): do not say it twice.
  const label = v && !workload.endsWith(`-${v}`) ? `${workload}-${v}` : workload;
  return { id: `${namespace}/${workload}/${v}`, kind: gateway ? 'gateway' : 'workload', namespace, name: workload, version: v, label };
}

export function serviceRef(namespace: string, name: string): NodeRef {
  return { id: `service:${namespace}/${name}`, kind: 'service', namespace, name, version: '', label: name };
}

/** Istio names its gateways' workloads so (istio-ingressgateway, istio-egressgateway, …). */
export function looksLikeGateway(workload: string): boolean {
  return /gateway/.test(workload);
}

/**
 * The service a request was sent to, from `destination_service` (`ratings.default.svc.cluster.local`
 * or, when the proxy routed by Host alone, `ratings:9080`).
 */
export function serviceOfDestination(destinationService: string, destinationNamespace: string | undefined, fallbackNamespace: string): NodeRef | undefined {
  const host = destinationService.replace(/:\d+$/, '');
  if (!host || host === UNKNOWN) return undefined;
  const [name, namespace] = host.split('.');
  const ns = known(destinationNamespace) || (namespace && !/^\d+$/.test(namespace) && host.includes('.svc.') ? namespace : '') || fallbackNamespace;
  return serviceRef(ns, name!);
}
