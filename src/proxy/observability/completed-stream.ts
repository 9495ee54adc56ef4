// What the connection manager (HTTP) or the TCP proxy hands to observability once a stream or
// connection has finished: one flat record, so metrics, access logs and tracing each read the
// same facts instead of reaching into live stream objects after the fact.
import type { WorkloadMetadata } from './workload.js';

export type PeerMetadata = WorkloadMetadata;

export type StreamProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2' | 'TCP';

/**
 * Which listener handled the stream. `inbound`: a sidecar's inbound listener (the proxy serves
 * its own workload, reports as destination). `outbound`: a sidecar's outbound listener (reports
 * as source). `gateway`: an ingress/egress gateway listener (Istio reports these as source too).
 */
export type TrafficDirection = 'inbound' | 'outbound' | 'gateway';

export interface CompletedStream {
  /** Milliseconds since the epoch when the first request byte arrived (or the connection was accepted). */
  startTime: number;
  durationMs: number;
  protocol: StreamProtocol;
  method?: string;
  /** Path with query, as the client sent it. */
  path?: string;
  authority?: string;
  userAgent?: string;
  /** x-request-id. */
  requestId?: string;
  /** x-forwarded-for as received. */
  forwardedFor?: string;
  /** HTTP status sent downstream; 0 when none was (reset, TCP). */
  responseCode: number;
  /** Envoy's %RESPONSE_CODE_DETAILS%, e.g. `via_upstream`, `route_not_found`. */
  responseCodeDetails?: string;
  /** gRPC status from the response trailers (or trailers-only headers). */
  grpcStatus?: number;
  /** The request was gRPC (content-type application/grpc*); implied when grpcStatus is set. */
  grpc?: boolean;
  /** Envoy response flags (UH, UF, NR, DC, …), any order. */
  responseFlags: readonly string[];
  /** Bytes received from downstream (body bytes for HTTP, stream bytes for TCP). */
  requestBytes: number;
  /** Bytes sent downstream. */
  responseBytes: number;
  /** Time from the request going upstream to the response headers (x-envoy-upstream-service-time). */
  upstreamServiceTimeMs?: number;
  /** Cluster name, e.g. `outbound|9080|v1|reviews.default.svc.cluster.local`. */
  upstreamCluster?: string;
  /** `ip:port` of the endpoint used. */
  upstreamHost?: string;
  routeName?: string;
  /** `ip:port`. */
  downstreamRemote: string;
  /** `ip:port`. */
  downstreamLocal: string;
  /** `ip:port` of our side of the upstream connection. */
  upstreamLocalAddress?: string;
  /** Why the upstream TLS handshake failed, when it did. */
  upstreamTransportFailureReason?: string;
  /** Envoy's %CONNECTION_TERMINATION_DETAILS%: why the proxy closed the connection, when it did. */
  connectionTerminationDetails?: string;
  /** SNI the client sent. */
  requestedServerName?: string;
  direction: TrafficDirection;
  /** The downstream connection was TLS. */
  tls: boolean;
  /** The upstream connection was (Istio) mutual TLS. */
  upstreamTls?: boolean;
  /**
   * The other side's identity from its certificate's URI SAN (`spiffe://…`): the client's on
   * inbound, the upstream server's on outbound. Unset without mTLS.
   */
  peerPrincipal?: string;
  /** The other side's workload facts from metadata exchange. */
  peer?: PeerMetadata;
  /** Envoy's %CONNECTION_ID%: lets TCP metrics match a live connection opened with `openTcp`. */
  connectionId?: number;
  /** Trace the request belongs to (32 hex). */
  traceId?: string;
  /** The proxy's own span (16 hex). */
  spanId?: string;
  /** The span the proxy's span is a child of (the caller's). */
  parentSpanId?: string;
  /** Whether the trace was sampled; spans are only recorded when true. */
  sampled?: boolean;
}

/** Anything that wants to hear about finished streams. Must not throw and must not block. */
export interface StreamObserver {
  onComplete(info: CompletedStream): void;
}

/**
 * Calls every observer; one observer failing neither stops the others nor reaches the
 * connection manager (the error goes to `onError`, by default dropped silently after the first).
 */
export function fanOut(observers: readonly StreamObserver[], onError?: (err: unknown) => void): StreamObserver {
  const list = [...observers];
  let reported = false;
  const report = onError ?? ((err: unknown) => {
    if (reported) return;
    reported = true;
    process.emitWarning(`observability: an observer failed: ${(err as Error)?.message ?? String(err)}`);
  });
  return {
    onComplete(info: CompletedStream): void {
      for (const o of list) {
        try {
          o.onComplete(info);
        } catch (err) {
          report(err);
        }
      }
    },
  };
}
