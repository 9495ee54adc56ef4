// Circuit breaking for one cluster, from Cluster.circuit_breakers: the DEFAULT-priority
// thresholds (Envoy's defaults 1024 connections, 1024 pending requests, 1024 requests, 3
// retries; our control plane writes 2^32−1 for "unlimited"), counted across the cluster.
//
// What a refusal means (as in Envoy):
// - 'pending' or 'requests' refused → the router answers 503 itself with response flag UO and
//   `x-envoy-overloaded: true` (see OVERLOAD_RESPONSE).
// - 'retries' refused → no retry; the upstream's response goes back as is, flagged UO.
// - 'connections' refused → the pool opens no new connection; the request waits as pending.
//
// A retry_budget, when present, replaces max_retries: retries in flight may reach
// budget_percent (default 20%) of the requests active plus pending, and never fewer than
// min_retry_concurrency (default 3).
import { asFields, list, wrapped, type Fields } from '../xds-client/fields.js';

export type CircuitResource = 'connections' | 'pending' | 'requests' | 'retries';

export interface CircuitLimits {
  connections: number;
  pending: number;
  requests: number;
  retries: number;
  /** Set when retries are limited by a retry budget rather than by `retries`. */
  retryBudget?: { budgetPercent: number; minRetryConcurrency: number };
}

export const DEFAULT_LIMITS: Readonly<CircuitLimits> = { connections: 1024, pending: 1024, requests: 1024, retries: 3 };

/** What the router adds to the local reply when 'pending' or 'requests' overflows. */
export const OVERLOAD_RESPONSE = { status: 503, responseFlag: 'UO', headers: { 'x-envoy-overloaded': 'true' } } as const;

/** The DEFAULT-priority thresholds of Cluster.circuit_breakers, with Envoy's defaults. */
export function circuitLimits(raw: Fields): CircuitLimits {
  const thresholds = list(asFields(raw.circuit_breakers)?.thresholds)
    .find((t) => t.priority === undefined || t.priority === 'DEFAULT' || t.priority === 0);
  const limits: CircuitLimits = {
    connections: wrapped(thresholds?.max_connections) ?? DEFAULT_LIMITS.connections,
    pending: wrapped(thresholds?.max_pending_requests) ?? DEFAULT_LIMITS.pending,
    requests: wrapped(thresholds?.max_requests) ?? DEFAULT_LIMITS.requests,
    retries: wrapped(thresholds?.max_retries) ?? DEFAULT_LIMITS.retries,
  };
  const budget = asFields(thresholds?.retry_budget);
  if (budget) {
    limits.retryBudget = {
      budgetPercent: wrapped(budget.budget_percent) ?? 20,
      minRetryConcurrency: wrapped(budget.min_retry_concurrency) ?? 3,
    };
  }
  return limits;
}

export class CircuitBreaker {
  private readonly counts: Record<CircuitResource, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };
  /** How often each resource refused (Envoy's upstream_*_overflow counters). */
  readonly overflows: Record<CircuitResource, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };

  constructor(readonly limits: CircuitLimits = { ...DEFAULT_LIMITS }) {}

  static fromCluster(raw: Fields): CircuitBreaker {
    return new CircuitBreaker(circuitLimits(raw));
  }

  /** The current limit for a resource (a retry budget's moves with the load). */
  limit(resource: CircuitResource): number {
    const budget = this.limits.retryBudget;
    if (resource === 'retries' && budget) {
      const active = this.counts.requests + this.counts.pending;
      return Math.max(Math.floor((budget.budgetPercent / 100) * active), budget.minRetryConcurrency);
    }
    return this.limits[resource];
  }

  count(resource: CircuitResource): number {
    return this.counts[resource];
  }

  remaining(resource: CircuitResource): number {
    return Math.max(0, this.limit(resource) - this.counts[resource]);
  }

  /** Whether one more would fit, without taking it. */
  canAcquire(resource: CircuitResource): boolean {
    return this.counts[resource] < this.limit(resource);
  }

  /** Takes one unit of `resource`; false (and counted as an overflow) when it is at its limit. */
  tryAcquire(resource: CircuitResource): boolean {
    if (!this.canAcquire(resource)) {
      this.overflows[resource]++;
      return false;
    }
    this.counts[resource]++;
    return true;
  }

  release(resource: CircuitResource): void {
    if (this.counts[resource] > 0) this.counts[resource]--;
  }
}
