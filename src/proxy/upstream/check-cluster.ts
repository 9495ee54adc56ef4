// Checks, at CDS time, the cluster settings the upstream layer would otherwise only trip over
// when building the cluster: the load balancer's config, outlier detection and circuit breakers.
// Throwing here NACKs the cluster with the reason.
import type { ClusterConfig } from '../xds-client/index.js';
import { asFields } from '../xds-client/fields.js';
import { circuitLimits } from './circuit-breaker.js';
import { poolFactory } from './lb/index.js';
import { outlierConfig } from './outlier.js';

export function checkCluster(cluster: ClusterConfig): void {
  if (cluster.discovery !== 'ORIGINAL_DST') poolFactory(cluster);
  const od = asFields(cluster.raw.outlier_detection);
  if (od) outlierConfig(od);
  circuitLimits(cluster.raw);
}
