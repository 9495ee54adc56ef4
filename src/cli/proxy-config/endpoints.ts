// `proxy-config endpoints`: every endpoint of every cluster with its health as the proxy sees
// it now — from /clusters, so an endpoint ejected by outlier detection shows as FAILED.
import { arr, obj, str } from './json.js';
import type { ProxyConfigInput, Section } from './section.js';

export interface EndpointHealth {
  endpoint: string;
  /** HEALTHY, or UNHEALTHY / DRAINING / DEGRADED … from the health flags. */
  status: string;
  /** OK, or FAILED while outlier detection has the endpoint ejected. */
  outlierCheck: string;
  cluster: string;
}

/** Envoy's /clusters lines `CLUSTER::HOST:PORT::health_flags::FLAGS`; FLAGS is `healthy` or `/flag/flag`. */
export function endpointHealth(clustersText: string): EndpointHealth[] {
  const out: EndpointHealth[] = [];
  for (const line of clustersText.split('\n')) {
    const parts = line.split('::');
    if (parts.length !== 4 || parts[2] !== 'health_flags') continue;
    const [cluster, endpoint, , flags] = parts as [string, string, string, string];
    const set = flags.split('/').filter((f) => f && f !== 'healthy');
    const health = set.filter((f) => f !== 'failed_outlier_check');
    out.push({
      endpoint,
      status: health.length === 0 ? 'HEALTHY' : health.some((f) => f.startsWith('failed') || f === 'unhealthy') ? 'UNHEALTHY' : health[0]!.toUpperCase(),
      outlierCheck: set.includes('failed_outlier_check') ? 'FAILED' : 'OK',
      cluster,
    });
  }
  return out;
}

export const endpointsSection: Section = {
  name: 'endpoints',
  header: ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'],
  needs: ['clusters'],
  empty: 'The proxy has no endpoints.',
  rows: ({ clustersText }: ProxyConfigInput) => endpointHealth(clustersText ?? '').map((e) => [e.endpoint, e.status, e.outlierCheck, e.cluster]),
  // The EDS assignments as the proxy holds them; clusters with inline endpoints keep theirs in `clusters`.
  raw: ({ dump }) => arr(dump.endpoints).map(obj).map((a) => ({ cluster_name: str(a.cluster_name), endpoints: a.endpoints })),
};
