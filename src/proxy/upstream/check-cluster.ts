// Checks, at CDS time, the cluster settings the upstream layer would otherwise only trip over
// when building the cluster: the load balancer's config, outlier detection, circuit breakers and
// the upstream TLS. Throwing here NACKs the cluster with the reason. Certificates given inline
// are config and must load; certificate files and mesh secrets are the proxy's local state (as for
// Istio's agent): one that is missing or bad fails that cluster's connections (503 UF, with the
// reason as the transport failure) until it is fixed or arrives, rather than blocking every other
// cluster's update. transport_socket_matches are checked like the cluster's own socket.
import type { ClusterConfig } from '../xds-client/index.js';
import { asFields, reject } from '../xds-client/fields.js';
import { circuitLimits } from './circuit-breaker.js';
import { poolFactory } from './lb/index.js';
import { outlierConfig } from './outlier.js';
import { allInline } from './sds-local.js';
import { loadSecureContext, readTransportSocketMatches, readUpstreamTls, sourcesOf } from './tls-origination.js';

export function checkCluster(cluster: ClusterConfig): void {
  if (cluster.discovery !== 'ORIGINAL_DST') poolFactory(cluster);
  const od = asFields(cluster.raw.outlier_detection);
  if (od) outlierConfig(od);
  circuitLimits(cluster.raw);
  const sockets = [{ field: 'transport_socket', tls: readUpstreamTls(cluster.raw) }];
  readTransportSocketMatches(cluster.raw).forEach((m, i) => sockets.push({ field: `transport_socket_matches[${i}].transport_socket`, tls: m.tls }));
  for (const { field, tls } of sockets) {
    if (!tls || !allInline(sourcesOf(tls))) continue;
    try {
      loadSecureContext(tls);
    } catch (err) {
      reject(field, (err as Error).message);
    }
  }
}
