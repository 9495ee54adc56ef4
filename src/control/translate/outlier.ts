// OutlierDetection → Envoy's OutlierDetection.
//
// Sidecars and gateways (Envoy semantics): consecutive 5xx / gateway / local-origin counters,
// success-rate ejection switched off as Istio does.
//
// Proxyless gRPC (A50) implements only success-rate and failure-percentage ejection; it ignores
// the consecutive_* fields. So the consecutive-error count N becomes a failure-percentage rule:
// an endpoint with at least N calls in an interval and more than 99% of them failed (i.e. one
// that fails every call) is ejected; minimum_hosts 1 so that it works for small services too,
// and success-rate ejection (on by default in gRPC) is switched off. See docs/xds-mapping.md.
import type { OutlierDetection } from '../../api/networking/destination-rule.js';
import type { ClientKind } from './context.js';
import { duration, u32 } from './proto.js';

export const PROXYLESS_FAILURE_THRESHOLD = 99;

function common(o: OutlierDetection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const interval = duration(o.interval);
  if (interval) out.interval = interval;
  const base = duration(o.baseEjectionTime);
  if (base) out.base_ejection_time = base;
  if (o.maxEjectionPercent !== undefined) out.max_ejection_percent = u32(o.maxEjectionPercent);
  return out;
}

export function outlierDetection(o: OutlierDetection | undefined, kind: ClientKind): Record<string, unknown> | undefined {
  // grpc-js-xds (1.14) compares a cluster update with the cached one by walking only the cached
  // object's keys, so adding outlier detection to a cluster that had none is taken as "no
  // change" and ignored. Proxyless clusters therefore always carry the block, switched off
  // explicitly (gRPC would otherwise turn success-rate ejection on), so every later change is
  // a change of value the client sees.
  if (!o) return kind === 'proxyless' ? { enforcing_success_rate: u32(0), enforcing_failure_percentage: u32(0) } : undefined;
  const out = common(o);
  out.enforcing_success_rate = u32(0);
  const consecutive5xx = o.consecutive5xxErrors ?? (o.consecutiveErrors !== undefined && o.consecutiveErrors >= 0 ? o.consecutiveErrors : undefined);
  if (kind === 'proxyless') {
    // Envoy's own default is 5 consecutive 5xx when the block is present but names no count.
    const n = consecutive5xx ?? o.consecutiveGatewayErrors ?? 5;
    if (n > 0) {
      out.failure_percentage_threshold = u32(PROXYLESS_FAILURE_THRESHOLD);
      out.enforcing_failure_percentage = u32(100);
      out.failure_percentage_minimum_hosts = u32(1);
      out.failure_percentage_request_volume = u32(n);
    } else {
      out.enforcing_failure_percentage = u32(0);
    }
    return out;
  }
  if (consecutive5xx !== undefined) {
    out.consecutive_5xx = u32(consecutive5xx);
    out.enforcing_consecutive_5xx = u32(consecutive5xx > 0 ? 100 : 0);
  }
  if (o.consecutiveGatewayErrors !== undefined) {
    out.consecutive_gateway_failure = u32(o.consecutiveGatewayErrors);
    out.enforcing_consecutive_gateway_failure = u32(o.consecutiveGatewayErrors > 0 ? 100 : 0);
  }
  if (o.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if (o.consecutiveLocalOriginFailures !== undefined) {
      out.consecutive_local_origin_failure = u32(o.consecutiveLocalOriginFailures);
      out.enforcing_consecutive_local_origin_failure = u32(100);
    }
  }
  return out;
}
