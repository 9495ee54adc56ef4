// RouteAction.retry_policy → a decision object the router consults after each try, as Envoy's
// retry state does:
// - retry_on names the conditions (comma-separated). 5xx, gateway-error and reset cover every
//   reset too (connection failure, refused stream, per-try timeout); connect-failure and
//   refused-stream cover only their own; retriable-4xx is 409; retriable-status-codes uses
//   retriable_status_codes; retriable-headers matches retriable_headers against the response;
//   the gRPC names match the response's grpc-status (headers or trailers-only response).
// - A response carrying x-envoy-ratelimited is retried only under envoy-ratelimited.
// - num_retries defaults to 1. Backoff is fully jittered exponential: retry n waits a uniform
//   time below min(base × 2^(n−1), max), base_interval default 25 ms, max_interval 10 × base.
// The x-envoy-retry-on / x-envoy-max-retries request headers are deliberately not honoured: in
// a sidecar they would come from untrusted clients.
import { asFields, durationMs, list, wrapped, type Fields } from '../xds-client/fields.js';
import { headerMatches } from '../router/string-matcher.js';

export const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited',
  'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;
export type RetryOn = (typeof RETRY_ON)[number];

const GRPC_CODES: Partial<Record<RetryOn, number>> = {
  cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14,
};

export interface RetryOutcome {
  /** How the try ended; 'timeout' is the per-try timeout (the route timeout is never retried). */
  kind: 'response' | 'connect-failure' | 'reset' | 'refused-stream' | 'timeout';
  status?: number;
  /** grpc-status of the response headers (a trailers-only response). */
  grpcStatus?: number;
  /** Response headers (names lower-case), for retriable-headers and x-envoy-ratelimited. */
  headers?: Record<string, string | string[] | undefined>;
  /** For reset-before-request: whether the request had started going upstream. */
  requestSent?: boolean;
}

export const PREVIOUS_HOSTS_PREDICATE = 'envoy.retry_host_predicates.previous_hosts';

export class RetryPolicy {
  readonly retryOn: ReadonlySet<RetryOn>;
  /** retry_on names this proxy does not know (ignored). */
  readonly unknownRetryOn: readonly string[];
  readonly numRetries: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly retriableHeaders: readonly Fields[];
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** retry_host_predicate has previous_hosts: a retry should avoid hosts already tried. */
  readonly previousHosts: boolean;
  /** host_selection_retry_max_attempts: picks to try for a host the predicate accepts. */
  readonly hostSelectionMaxAttempts: number;

  constructor(rp: Fields) {
    const named = String(rp.retry_on ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const known = new Set<string>(RETRY_ON);
    this.retryOn = new Set(named.filter((n): n is RetryOn => known.has(n)));
    this.unknownRetryOn = named.filter((n) => !known.has(n));
    this.numRetries = wrapped(rp.num_retries) ?? 1;
    const perTry = durationMs(rp.per_try_timeout);
    this.perTryTimeoutMs = perTry ? perTry : undefined;
    this.retriableStatusCodes = new Set(list(rp.retriable_status_codes).map(Number));
    this.retriableHeaders = list(rp.retriable_headers);
    const backoff = asFields(rp.retry_back_off);
    this.baseIntervalMs = durationMs(backoff?.base_interval) ?? 25;
    this.maxIntervalMs = durationMs(backoff?.max_interval) ?? 10 * this.baseIntervalMs;
    if (!(this.baseIntervalMs > 0)) throw new RangeError('retry_back_off.base_interval must be positive');
    if (this.maxIntervalMs < this.baseIntervalMs) throw new RangeError('retry_back_off.max_interval must be at least base_interval');
    this.previousHosts = list(rp.retry_host_predicate).some((p) => p.name === PREVIOUS_HOSTS_PREDICATE);
    this.hostSelectionMaxAttempts = Math.max(1, Number(rp.host_selection_retry_max_attempts ?? 1));
  }

  /** Whether this outcome is one the policy retries (the caller counts attempts and budgets). */
  shouldRetry(o: RetryOutcome): boolean {
    const on = (p: RetryOn) => this.retryOn.has(p);
    if (o.kind !== 'response') {
      if (on('5xx') || on('gateway-error') || on('reset')) return true;
      if (o.kind === 'connect-failure' && on('connect-failure')) return true;
      if (o.kind === 'refused-stream' && on('refused-stream')) return true;
      return o.kind === 'reset' && o.requestSent === false && on('reset-before-request');
    }
    if (header(o.headers, 'x-envoy-ratelimited') !== undefined) return on('envoy-ratelimited');
    const status = o.status ?? 0;
    if (on('5xx') && status >= 500 && status < 600) return true;
    if (on('gateway-error') && status >= 502 && status <= 504) return true;
    if (on('retriable-4xx') && status === 409) return true;
    if (on('retriable-status-codes') && this.retriableStatusCodes.has(status)) return true;
    if (on('retriable-headers') && this.retriableHeaders.some((m) => headerMatches(m, header(o.headers, String(m.name ?? '').toLowerCase())))) return true;
    const grpc = o.grpcStatus ?? grpcStatusOf(o.headers);
    if (grpc !== undefined) {
      for (const [name, code] of Object.entries(GRPC_CODES)) if (code === grpc && on(name as RetryOn)) return true;
    }
    return false;
  }

  /** Delay before retry number `attempt` (1 for the first retry), fully jittered. */
  backoffMs(attempt: number, random: () => number): number {
    const ceiling = Math.min(this.baseIntervalMs * 2 ** Math.max(0, attempt - 1), this.maxIntervalMs);
    return Math.floor(random() * ceiling);
  }
}

/** The route's retry policy, or undefined when it has none. Throws RangeError on a bad backoff. */
export function compileRetryPolicy(rp: unknown): RetryPolicy | undefined {
  const f = asFields(rp);
  return f ? new RetryPolicy(f) : undefined;
}

function header(headers: RetryOutcome['headers'], name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function grpcStatusOf(headers: RetryOutcome['headers']): number | undefined {
  const v = header(headers, 'grpc-status');
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}
