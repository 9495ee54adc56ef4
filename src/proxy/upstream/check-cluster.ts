// Checks, at CDS time, the cluster settings the upstream layer would otherwise only trip over
// when building the cluster: the load balancer's config, outlier detection, circuit breakers and
// the upstream TLS. Throwing here NACKs the cluster with the reason. Certificates given inline
// are config and must load; certificate files are the proxy's local state (as for Istio's agent):
// one that is missing or bad fails that cluster's connections (503 UF, with the reason as the
// transport failure) until the file is fixed, rather than blocking every other cluster's update.
import type { ClusterConfig } from '../xds-client/index.js';
import { asFields, reject } from '../xds-client/fields.js';
import { circuitLimits } from './circuit-breaker.js';
import { poolFactory } from './lb/index.js';
import { outlierConfig } from './outlier.js';
import { filesOf, loadSecureContext, readUpstreamTls } from './tls-origination.js';

export function checkCluster(cluster: ClusterConfig): void {
  if (cluster.discovery !== 'ORIGINAL_DST') poolFactory(cluster);
  const od = asFields(cluster.raw.outlier_detection);
  if (od) outlierConfig(od);
  circuitLimits(cluster.raw);
  const tls = readUpstreamTls(cluster.raw);
  if (tls && filesOf(tls).length === 0) {
    try {
      loadSecureContext(tls);
    } catch (err) {
      reject('transport_socket', (err as Error).message);
    }
  }
}
