// HTTPFaultInjection → the fault filter's per-route HTTPFault. A percentage left unset means
// every request (Istio's default); gRPC clients refuse a fault without a percentage, so it is
// always written.
import type { HTTPFaultInjection } from '../../api/networking/virtual-service.js';
import { any, duration, fractionalPercent } from './proto.js';
import { EXT } from './type-urls.js';

const GRPC_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

export function grpcStatusCode(name: string): number | undefined {
  return GRPC_CODES[name];
}

export function faultFilterConfig(f: HTTPFaultInjection | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  const out: Record<string, unknown> = {};
  if (f.delay?.fixedDelay) {
    const pct = f.delay.percentage?.value ?? f.delay.percent ?? 100;
    out.delay = { fixed_delay: duration(f.delay.fixedDelay), percentage: fractionalPercent(pct) };
  }
  if (f.abort) {
    const percentage = fractionalPercent(f.abort.percentage?.value ?? 100);
    if (f.abort.httpStatus !== undefined) out.abort = { http_status: f.abort.httpStatus, percentage };
    else if (f.abort.grpcStatus !== undefined) out.abort = { grpc_status: grpcStatusCode(f.abort.grpcStatus) ?? 2, percentage };
  }
  if (!out.delay && !out.abort) return undefined;
  return any(EXT.FAULT, out);
}
