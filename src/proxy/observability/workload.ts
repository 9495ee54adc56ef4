// The facts that name a workload in telemetry — ours (from the proxy's node metadata) and a
// peer's (from metadata exchange). Istio's stats derive app/version/canonical service from the
// pod labels, so the helpers here apply the same label names and defaults in one place.

/** A workload as metadata exchange describes it: Istio's node metadata keys, read into fields. */
export interface WorkloadMetadata {
  /** NAME: the instance (pod) name. */
  name?: string;
  /** NAMESPACE. */
  namespace?: string;
  /** WORKLOAD_NAME: the deployment (or other owner) name. */
  workloadName?: string;
  /** SERVICE_ACCOUNT. */
  serviceAccount?: string;
  /** CLUSTER_ID: the Kubernetes cluster the workload runs in. */
  clusterId?: string;
  /** MESH_ID. */
  meshId?: string;
  /** OWNER, e.g. `kubernetes://apis/apps/v1/namespaces/NS/deployments/NAME`. */
  owner?: string;
  /** ISTIO_VERSION. */
  istioVersion?: string;
  /** APP_CONTAINERS: comma-separated container names. */
  appContainers?: string;
  /** INSTANCE_IPS: comma-separated. */
  instanceIps?: string;
  /** LABELS: the pod labels. */
  labels: Record<string, string>;
}

export const CANONICAL_NAME_LABEL = 'service.istio.io/canonical-name';
export const CANONICAL_REVISION_LABEL = 'service.istio.io/canonical-revision';

/** `app` label, else the Kubernetes recommended one (Istio reads both). */
export function appOf(w: WorkloadMetadata): string | undefined {
  return w.labels.app || w.labels['app.kubernetes.io/name'] || undefined;
}

export function versionOf(w: WorkloadMetadata): string | undefined {
  return w.labels.version || w.labels['app.kubernetes.io/version'] || undefined;
}

/** The canonical service: the label, else what the injector would have set (app, else workload). */
export function canonicalServiceOf(w: WorkloadMetadata): string | undefined {
  return w.labels[CANONICAL_NAME_LABEL] || appOf(w) || w.workloadName || undefined;
}

/** The canonical revision: the label, else the version, else Istio's `latest`. */
export function canonicalRevisionOf(w: WorkloadMetadata): string {
  return w.labels[CANONICAL_REVISION_LABEL] || versionOf(w) || 'latest';
}

/** The SPIFFE identity Istio issues: `spiffe://TRUST_DOMAIN/ns/NS/sa/SA`. */
export function spiffePrincipal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The namespace inside a SPIFFE id (`…/ns/NS/sa/…`), as Istio's stats read it from a peer SAN. */
export function namespaceOfPrincipal(principal: string): string | undefined {
  const at = principal.indexOf('/ns/');
  if (at < 0) return undefined;
  const start = at + 4;
  const end = principal.indexOf('/', start);
  const ns = end < 0 ? principal.slice(start) : principal.slice(start, end);
  return ns || undefined;
}
