// ConnectionPoolSettings → circuit breakers and upstream HTTP protocol options. Unset limits
// are "unlimited" (2^32-1), as Istio writes them, rather than Envoy's 1024 defaults.
import type { ConnectionPoolSettings } from '../../api/networking/destination-rule.js';
import { parseDuration } from '../../api/fields/duration.js';
import type { PortProtocol } from '../../registry/types.js';
import type { ClientKind } from './context.js';
import { any, duration, u32 } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

const UNLIMITED = 4294967295;

export function circuitBreakers(cp: ConnectionPoolSettings | undefined): Record<string, unknown> {
  return {
    thresholds: [{
      max_connections: u32(cp?.tcp?.maxConnections || UNLIMITED),
      max_pending_requests: u32(cp?.http?.http1MaxPendingRequests || UNLIMITED),
      max_requests: u32(cp?.http?.http2MaxRequests || UNLIMITED),
      max_retries: u32(cp?.http?.maxRetries || UNLIMITED),
      track_remaining: true,
    }],
  };
}

export function connectTimeout(cp: ConnectionPoolSettings | undefined): Record<string, unknown> {
  return duration(cp?.tcp?.connectTimeout) ?? { seconds: 10, nanos: 0 };
}

/** HTTP protocol options for the upstream: HTTP/2 for gRPC/HTTP2 ports or when asked to upgrade. */
export function protocolOptions(cp: ConnectionPoolSettings | undefined, protocol: PortProtocol, kind: ClientKind): Record<string, unknown> | undefined {
  if (kind === 'proxyless') return undefined;
  const h2 = cp?.http?.h2UpgradePolicy === 'UPGRADE' || protocol === 'GRPC' || protocol === 'HTTP2';
  const common: Record<string, unknown> = {};
  const idle = duration(cp?.http?.idleTimeout);
  if (idle) common.idle_timeout = idle;
  if (cp?.http?.maxRequestsPerConnection) common.max_requests_per_connection = u32(cp.http.maxRequestsPerConnection);
  const maxDuration = duration(cp?.tcp?.maxConnectionDuration);
  if (maxDuration) common.max_connection_duration = maxDuration;
  if (!h2 && Object.keys(common).length === 0) return undefined;
  const http2: Record<string, unknown> = {};
  if (cp?.http?.maxConcurrentStreams) http2.max_concurrent_streams = u32(cp.http.maxConcurrentStreams);
  const opts: Record<string, unknown> = {
    explicit_http_config: h2 ? { http2_protocol_options: http2 } : { http_protocol_options: {} },
  };
  if (Object.keys(common).length) opts.common_http_protocol_options = common;
  return { [FILTER.HTTP_PROTOCOL_OPTIONS]: any(EXT.HTTP_PROTOCOL_OPTIONS, opts) };
}

export function tcpKeepalive(cp: ConnectionPoolSettings | undefined): Record<string, unknown> | undefined {
  const ka = cp?.tcp?.tcpKeepalive;
  if (!ka) return undefined;
  const out: Record<string, unknown> = {};
  if (ka.probes !== undefined) out.keepalive_probes = u32(ka.probes);
  const secs = (t: string | undefined) => (t === undefined ? undefined : Math.max(1, Math.round((parseDuration(t) ?? 0) / 1000)));
  if (ka.time) out.keepalive_time = u32(secs(ka.time) as number);
  if (ka.interval) out.keepalive_interval = u32(secs(ka.interval) as number);
  return { tcp_keepalive: out };
}
