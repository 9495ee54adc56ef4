// The contract between the router and a cluster's load balancer.
import type { UpstreamHost } from '../host.js';

export interface PickContext {
  /** The request's hash (hash-policy.ts), read by RING_HASH and MAGLEV; random when absent. */
  hash?: bigint;
  /** Uniform in [0, 1). */
  random: () => number;
  /**
   * Host-selection retry (retry_host_predicate, e.g. previous_hosts): 0 or absent on the first
   * pick, 1, 2, … when the router asks again. Hash balancers then move off the hashed host as
   * Envoy's do; the others simply pick again.
   */
  attempt?: number;
}

export interface LoadBalancer {
  pick(ctx: PickContext): UpstreamHost | undefined;
}

/** A host and the weight one balancer gives it (host weight, possibly scaled by locality). */
export interface WeightedHost {
  host: UpstreamHost;
  weight: number;
}

/** Builds the balancer for one pool of hosts (see host-set.ts). */
export type PoolBalancerFactory = (hosts: readonly WeightedHost[]) => LoadBalancer;

/** A uniformly random 64-bit value from a [0, 1) source. */
export function randomHash(random: () => number): bigint {
  const hi = BigInt(Math.floor(random() * 0x1_0000_0000));
  const lo = BigInt(Math.floor(random() * 0x1_0000_0000));
  return (hi << 32n) | lo;
}

/** An index in [0, n) from a [0, 1) source (guarding against a source returning exactly 1). */
export function randomIndex(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
