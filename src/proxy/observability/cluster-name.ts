// The service facts Istio packs into cluster names — `outbound|9080|v1|reviews.default.svc.cluster.local`,
// `inbound|9080||reviews.default.svc.cluster.local`, and the SNI form `outbound_.9080_.v1_.reviews…`
// — for the stats labels when the peer did not say who it is.

export interface ClusterService {
  direction: 'inbound' | 'outbound';
  port: number;
  subset: string;
  /** The service hostname; empty when the name does not carry one (newer inbound clusters). */
  host: string;
  /** First label of the host: the Kubernetes service name. */
  name: string;
  /** Second label when the host is a Kubernetes service name (`NAME.NS.svc.…`). */
  namespace?: string;
}

/** Clusters Istio names after what they do rather than a service. */
export const SPECIAL_CLUSTERS: ReadonlySet<string> = new Set([
  'BlackHoleCluster',
  'PassthroughCluster',
  'InboundPassthroughCluster',
  'InboundPassthroughClusterIpv4',
  'InboundPassthroughClusterIpv6',
]);

const cache = new Map<string, ClusterService | null>();

/** Parses an Istio cluster name; undefined for other names (and the special clusters). */
export function parseClusterName(cluster: string): ClusterService | undefined {
  const hit = cache.get(cluster);
  if (hit !== undefined) return hit ?? undefined;
  const parsed = parse(cluster);
  // Cluster names come from config, not requests, so this stays small; the bound is a guard.
  if (cache.size < 10_000) cache.set(cluster, parsed ?? null);
  return parsed;
}

function parse(cluster: string): ClusterService | undefined {
  let parts: string[];
  if (cluster.includes('|')) {
    parts = cluster.split('|');
  } else if (cluster.startsWith('outbound_.') || cluster.startsWith('inbound_.')) {
    // SNI form: DIRECTION_.PORT_.SUBSET_.HOST
    parts = cluster.split('_.');
  } else {
    return undefined;
  }
  if (parts.length !== 4) return undefined;
  const [direction, portText, subset, host] = parts as [string, string, string, string];
  if (direction !== 'inbound' && direction !== 'outbound') return undefined;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  const labels = host.split('.');
  const out: ClusterService = { direction, port, subset, host, name: labels[0] ?? '' };
  if (labels.length >= 3 && labels[2] === 'svc' && labels[1]) out.namespace = labels[1];
  return out;
}
