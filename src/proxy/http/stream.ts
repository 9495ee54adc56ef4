// One HTTP request/response exchange as the connection manager and its filters see it — the
// equivalent of an Envoy stream: the request head after the codec, the route chosen for it,
// the response flags gathered on the way, and the means to answer locally.
import type { Transform } from 'node:stream';
import type { RouteMatchResult } from '../router/route-match.js';

export type Headers = Record<string, string | string[]>;
export type Fields = Record<string, unknown>;

export interface RequestHead {
  method: string;
  /** Host / :authority as sent (may include a port). */
  authority: string;
  /** Path with query string. */
  path: string;
  scheme: 'http' | 'https';
  /** Lower-case names; no pseudo-headers and no hop-by-hop headers. */
  headers: Headers;
  protocol: 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';
}

export interface ResponseHead {
  status: number;
  /** Lower-case names. */
  headers: Headers;
}

export interface DownstreamInfo {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  tls: boolean;
  /** SNI the client asked for, over TLS. */
  serverName?: string;
  /** The client's verified certificate, over mutual TLS (absent for plaintext or one-way TLS). */
  peer?: PeerIdentity;
}

/**
 * Who the client proved to be with its certificate: what authorization calls the source
 * principal (the URI SAN `spiffe://<trust domain>/ns/<ns>/sa/<sa>`) and metrics `source_principal`.
 */
export interface PeerIdentity {
  uriSans: string[];
  dnsSans: string[];
  /** The subject DN as OpenSSL prints it, for logs. */
  subject: string;
}

/** What one upstream exchange reported, for retries, outlier detection and logs. */
export interface UpstreamInfo {
  cluster: string;
  /** `host:port` of the last endpoint tried. */
  host?: string;
  attempts: number;
  /** Why the last try's TLS handshake failed, when it did (access log). */
  transportFailureReason?: string;
}

/**
 * Envoy's response flags (the access log's %RESPONSE_FLAGS%): why a request ended as it did.
 * UH no healthy upstream, UF upstream connect failure, UO upstream overflow (circuit breaker),
 * NR no route, URX retry/connect limit reached, DC downstream disconnect, UT upstream timeout,
 * UC upstream connection termination, UR upstream remote reset, DI delay injected, FI fault
 * injected, RL rate limited, LR local reset, NC no such cluster.
 */
export type ResponseFlag = 'UH' | 'UF' | 'UO' | 'NR' | 'NC' | 'URX' | 'DC' | 'UT' | 'UC' | 'UR' | 'DI' | 'FI' | 'RL' | 'LR' | 'SI';

export interface LocalReply {
  status: number;
  body?: string;
  headers?: Headers;
  /** gRPC requests are answered with a trailers-only gRPC status instead of an HTTP error. */
  grpcStatus?: number;
  flag?: ResponseFlag;
  /** Envoy's %RESPONSE_CODE_DETAILS%, e.g. `route_not_found`. */
  details?: string;
}

export interface HttpStream {
  readonly request: RequestHead;
  /** The listener's side: a sidecar's inbound or outbound traffic, or a gateway's. */
  readonly direction: 'inbound' | 'outbound' | 'gateway';
  readonly downstream: DownstreamInfo;
  /** Milliseconds since the epoch, and a monotonic start for durations. */
  readonly startTime: number;
  readonly startHr: bigint;
  /** The RouteConfiguration the connection manager uses (RDS or inline). */
  readonly routeConfigName: string;
  /** The route picked for the request as it stands; undefined when none matched. */
  route: RouteMatchResult | undefined;
  /** Re-runs route selection after a filter changed the request head. */
  clearRouteCache(): void;
  /**
   * The filter's per-route config: the route's typed_per_filter_config entry, else the virtual
   * host's, else the route configuration's (Envoy's most-specific-wins), as decoded object form.
   */
  perFilterConfig(filterName: string): Fields | undefined;
  readonly responseFlags: Set<ResponseFlag>;
  upstream: UpstreamInfo | undefined;
  /** Transforms the response body passes through on its way out (the compressor adds one). */
  readonly responseTransforms: Transform[];
  /** content-type application/grpc*: local replies become gRPC statuses. */
  readonly isGrpc: boolean;
  /** Filters may stash facts for later filters and loggers here. */
  readonly filterState: Map<string, unknown>;
  /** Answers locally; the encode chain still runs on the reply (CORS headers on a 403 …). */
  sendLocalReply(reply: LocalReply): void;
  /** Whether the response has started or the client has gone. */
  readonly done: boolean;
}
