// An HTTPFault config (listener-level or per-route) read once into plain settings. Istio's
// VirtualService fault becomes a per-route HTTPFault with a fixed delay or an HTTP/gRPC abort;
// Envoy also lets a config hand the choice to the client through x-envoy-fault-* request
// headers (header_delay, header_abort, header_limit), which only then have any effect.
import type { Fields } from '../stream.js';
import { durationMs, list, message, reject, str, uint, wrappedUint } from './config-fields.js';
import { checkHeaderMatcher } from './matcher-check.js';
import { readFractionalPercent, type Fraction } from './percent.js';

export interface FaultDelaySettings {
  /** undefined: the delay comes from x-envoy-fault-delay-request. */
  fixedMs?: number;
  percentage: Fraction;
}

export interface FaultAbortSettings {
  httpStatus?: number;
  grpcStatus?: number;
  /** Both undefined: the status comes from x-envoy-fault-abort-(grpc-)request. */
  percentage: Fraction;
}

export interface FaultRateLimitSettings {
  /** KiB per second; undefined: from x-envoy-fault-throughput-response. */
  kbps?: number;
  percentage: Fraction;
}

export interface FaultSettings {
  delay?: FaultDelaySettings;
  abort?: FaultAbortSettings;
  responseRateLimit?: FaultRateLimitSettings;
  upstreamCluster: string;
  /** HeaderMatchers that must all hold. */
  headers: Fields[];
  downstreamNodes: Set<string>;
  maxActiveFaults?: number;
}

function readDelay(value: unknown, field: string): FaultDelaySettings | undefined {
  const d = message(value, field);
  if (!d) return undefined;
  const percentage = readFractionalPercent(d.percentage, `${field}.percentage`);
  const fixed = durationMs(d.fixed_delay, `${field}.fixed_delay`);
  const header = message(d.header_delay, `${field}.header_delay`);
  if ((fixed === undefined) === (header === undefined)) reject(field, 'needs exactly one of fixed_delay and header_delay');
  if (fixed !== undefined && fixed <= 0) reject(`${field}.fixed_delay`, 'must be greater than 0');
  return fixed !== undefined ? { fixedMs: fixed, percentage } : { percentage };
}

function readAbort(value: unknown, field: string): FaultAbortSettings | undefined {
  const a = message(value, field);
  if (!a) return undefined;
  const percentage = readFractionalPercent(a.percentage, `${field}.percentage`);
  const kinds = [a.http_status, a.grpc_status, a.header_abort].filter((v) => v !== undefined && v !== null);
  if (kinds.length !== 1) reject(field, 'needs exactly one of http_status, grpc_status and header_abort');
  if (a.http_status !== undefined && a.http_status !== null) {
    const status = uint(a.http_status, `${field}.http_status`);
    if (status < 200 || status >= 600) reject(`${field}.http_status`, `${status} is not in [200, 600)`);
    return { httpStatus: status, percentage };
  }
  if (a.grpc_status !== undefined && a.grpc_status !== null) return { grpcStatus: uint(a.grpc_status, `${field}.grpc_status`), percentage };
  message(a.header_abort, `${field}.header_abort`);
  return { percentage };
}

function readRateLimit(value: unknown, field: string): FaultRateLimitSettings | undefined {
  const r = message(value, field);
  if (!r) return undefined;
  const percentage = readFractionalPercent(r.percentage, `${field}.percentage`);
  const fixed = message(r.fixed_limit, `${field}.fixed_limit`);
  const header = message(r.header_limit, `${field}.header_limit`);
  if ((fixed === undefined) === (header === undefined)) reject(field, 'needs exactly one of fixed_limit and header_limit');
  if (!fixed) return { percentage };
  const kbps = uint(fixed.limit_kbps, `${field}.fixed_limit.limit_kbps`);
  if (kbps < 1) reject(`${field}.fixed_limit.limit_kbps`, 'must be at least 1');
  return { kbps, percentage };
}

/** Reads an HTTPFault; an empty one (what Istio puts on every listener) injects nothing. */
export function readFaultSettings(config: Fields): FaultSettings {
  const headers = list(config.headers, 'headers').map((h, i) => checkHeaderMatcher(h, `headers[${i}]`));
  return {
    delay: readDelay(config.delay, 'delay'),
    abort: readAbort(config.abort, 'abort'),
    responseRateLimit: readRateLimit(config.response_rate_limit, 'response_rate_limit'),
    upstreamCluster: str(config.upstream_cluster, 'upstream_cluster'),
    headers,
    downstreamNodes: new Set(list(config.downstream_nodes, 'downstream_nodes').map((n, i) => str(n, `downstream_nodes[${i}]`))),
    maxActiveFaults: wrappedUint(config.max_active_faults, 'max_active_faults'),
  };
}
