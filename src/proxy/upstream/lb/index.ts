// A cluster's load balancer from its CDS config (lb_policy and the matching *_lb_config,
// common_lb_config) and its current hosts. Rebuild it whenever EDS or outlier detection
// changes the hosts or their health; hosts' in-flight counts are read live.
import { asFields, wrapped, type Fields } from '../../xds-client/fields.js';
import type { LbPolicy } from '../../xds-client/cluster.js';
import type { UpstreamHost } from '../host.js';
import { HostSet, type HostSetOptions } from '../host-set.js';
import { LeastRequestBalancer, type LeastRequestOptions } from './least-request.js';
import { DEFAULT_MAGLEV_TABLE_SIZE, MaglevBalancer, isPrime } from './maglev.js';
import { PrioritizedBalancer } from './priority.js';
import { RandomBalancer } from './random.js';
import { DEFAULT_MAXIMUM_RING_SIZE, DEFAULT_MINIMUM_RING_SIZE, RingHashBalancer, type RingHashOptions } from './ring-hash.js';
import { RoundRobinBalancer } from './round-robin.js';
import type { LoadBalancer, PoolBalancerFactory } from './types.js';

export type { LoadBalancer, PickContext, WeightedHost, PoolBalancerFactory } from './types.js';
export { randomHash } from './types.js';
export { RoundRobinBalancer } from './round-robin.js';
export { RandomBalancer } from './random.js';
export { LeastRequestBalancer, DEFAULT_CHOICE_COUNT, type LeastRequestOptions } from './least-request.js';
export { RingHashBalancer, DEFAULT_MINIMUM_RING_SIZE, DEFAULT_MAXIMUM_RING_SIZE, type RingHashOptions } from './ring-hash.js';
export { MaglevBalancer, DEFAULT_MAGLEV_TABLE_SIZE, isPrime } from './maglev.js';
export { PrioritizedBalancer, localityScaledWeights } from './priority.js';
export { xxhash64, xxhash64Chain } from './xxhash64.js';

/** The parts of a decoded cluster (xds-client ClusterConfig) the balancer reads. */
export interface BalancedCluster {
  name: string;
  lbPolicy: LbPolicy;
  raw: Fields;
}

export class UnsupportedLbError extends Error {
  readonly code = 'UNSUPPORTED_LB';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedLbError';
  }
}

/** common_lb_config → HostSet options. */
export function hostSetOptions(raw: Fields): HostSetOptions {
  const common = asFields(raw.common_lb_config);
  const opts: HostSetOptions = {};
  const panic = wrapped(common?.healthy_panic_threshold);
  if (panic !== undefined) opts.panicThresholdPercent = panic;
  if (common?.locality_weighted_lb_config !== undefined) opts.localityWeighted = true;
  return opts;
}

/**
 * The pool balancer factory for a cluster's policy, and whether it is hash based. Throws
 * UnsupportedLbError for CLUSTER_PROVIDED (original-destination clusters route to the
 * connection's own destination; there is nothing to balance) and for a config Envoy rejects.
 */
export function poolFactory(cluster: BalancedCluster): { factory: PoolBalancerFactory; hashBased: boolean } {
  const raw = cluster.raw;
  const n = (v: unknown) => (v === undefined ? undefined : Number(v));
  switch (cluster.lbPolicy) {
    case 'ROUND_ROBIN':
      return { factory: (hosts) => new RoundRobinBalancer(hosts), hashBased: false };
    case 'RANDOM':
      return { factory: (hosts) => new RandomBalancer(hosts), hashBased: false };
    case 'LEAST_REQUEST': {
      const cfg = asFields(raw.least_request_lb_config);
      const opts: LeastRequestOptions = {};
      const choices = wrapped(cfg?.choice_count);
      if (choices !== undefined) {
        if (choices < 2) throw new UnsupportedLbError(`cluster ${cluster.name}: least_request_lb_config.choice_count must be at least 2`);
        opts.choiceCount = choices;
      }
      const bias = n(asFields(cfg?.active_request_bias)?.default_value);
      if (bias !== undefined) opts.activeRequestBias = bias;
      return { factory: (hosts) => new LeastRequestBalancer(hosts, opts), hashBased: false };
    }
    case 'RING_HASH': {
      const cfg = asFields(raw.ring_hash_lb_config);
      if (cfg?.hash_function !== undefined && cfg.hash_function !== 'XX_HASH') {
        throw new UnsupportedLbError(`cluster ${cluster.name}: ring_hash_lb_config.hash_function ${String(cfg.hash_function)} is not supported (use XX_HASH)`);
      }
      const opts: RingHashOptions = {};
      const min = wrapped(cfg?.minimum_ring_size);
      const max = wrapped(cfg?.maximum_ring_size);
      if (min !== undefined) opts.minimumRingSize = min;
      if (max !== undefined) opts.maximumRingSize = max;
      if ((opts.minimumRingSize ?? DEFAULT_MINIMUM_RING_SIZE) > (opts.maximumRingSize ?? DEFAULT_MAXIMUM_RING_SIZE)) {
        throw new UnsupportedLbError(`cluster ${cluster.name}: ring_hash_lb_config.minimum_ring_size exceeds maximum_ring_size`);
      }
      return { factory: (hosts) => new RingHashBalancer(hosts, opts), hashBased: true };
    }
    case 'MAGLEV': {
      const size = wrapped(asFields(raw.maglev_lb_config)?.table_size) ?? DEFAULT_MAGLEV_TABLE_SIZE;
      if (!isPrime(size)) throw new UnsupportedLbError(`cluster ${cluster.name}: maglev_lb_config.table_size ${size} is not a prime number`);
      return { factory: (hosts) => new MaglevBalancer(hosts, size), hashBased: true };
    }
    default:
      throw new UnsupportedLbError(`cluster ${cluster.name}: lb_policy ${cluster.lbPolicy} has no load balancer (original-destination clusters route to the connection's destination)`);
  }
}

/** The balancer for a cluster's current hosts. */
export function createLoadBalancer(cluster: BalancedCluster, hosts: readonly UpstreamHost[]): LoadBalancer {
  const { factory, hashBased } = poolFactory(cluster);
  return new PrioritizedBalancer(new HostSet(hosts, hostSetOptions(cluster.raw)), factory, hashBased);
}
