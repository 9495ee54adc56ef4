// Which proxies and endpoints take part in mesh mutual TLS. Istio marks a workload whose sidecar
// holds a mesh certificate with the label `security.istio.io/tlsMode: istio`; the Isthmus proxy
// adds that label to the labels it registers (node metadata LABELS) when it has an identity, and
// a WorkloadEntry may carry it for a workload whose own sidecar has one.

export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
export const TLS_MODE_ISTIO = 'istio';

/** Whether a workload (a proxy's node labels, or an endpoint's labels) holds a mesh identity. */
export function hasMeshIdentity(labels: Readonly<Record<string, string>>): boolean {
  return labels[TLS_MODE_LABEL] === TLS_MODE_ISTIO;
}
