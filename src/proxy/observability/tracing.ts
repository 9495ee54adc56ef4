// The proxy's part in distributed tracing, as Envoy does it in a mesh: on each request, continue
// the caller's trace or start one, decide sampling (the caller's decision wins; otherwise Istio's
// random sampling percentage, default 1%), open the proxy's own span as a child of the caller's,
// and hand the next hop W3C and B3 headers naming that span as parent. x-request-id is kept, or
// generated. When the stream finishes, a sampled span is recorded and given to a sink.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Headers } from '../http/stream.js';
import type { CompletedStream, StreamObserver } from './completed-stream.js';
import { responseFlagsString } from './response-flags.js';
import type { FinishedSpan, SpanEndpoint } from './span-encoding.js';
import type { SpanSink } from './span-exporter.js';
import { extractTraceContext, injectTraceContext, newSpanId, newTraceId } from './trace-context.js';

export interface TracingOptions {
  /** The service spans are reported under; Istio uses `APP.NAMESPACE` (canonical service). */
  serviceName: string;
  /** Percent of new traces to sample, 0–100 (Telemetry randomSamplingPercentage / ProxyConfig tracing.sampling); default 1. */
  randomSamplingPercentage?: number;
  /** Where finished sampled spans go. Without one, decisions and headers still propagate. */
  sink?: SpanSink;
  /** Our address for the span's local endpoint. */
  localAddress?: string;
  /** Istio facts added as span tags when set. */
  meshId?: string;
  namespace?: string;
  canonicalService?: string;
  canonicalRevision?: string;
  clusterId?: string;
  nodeId?: string;
  /** Longest http.url tag (Envoy's max_path_tag_length, default 256). */
  maxPathTagLength?: number;
  /** Also write the single `b3` header upstream (it is always rewritten when the request had one). */
  b3SingleHeader?: boolean;
  /** Span name; default `AUTHORITY/PATH` without the query, Envoy's name for an undecorated route. */
  spanName?: (info: CompletedStream) => string;
}

/** What the proxy decided for one request; copy it into the CompletedStream (see `traceFields`). */
export interface RequestTrace {
  traceId: string;
  /** The proxy's span. */
  spanId: string;
  /** The caller's span, when the request carried one. */
  parentSpanId?: string;
  sampled: boolean;
  requestId: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** The CompletedStream fields a RequestTrace fills. */
export function traceFields(trace: RequestTrace): Pick<CompletedStream, 'traceId' | 'spanId' | 'parentSpanId' | 'sampled' | 'requestId'> {
  const out: Pick<CompletedStream, 'traceId' | 'spanId' | 'parentSpanId' | 'sampled' | 'requestId'> = {
    traceId: trace.traceId,
    spanId: trace.spanId,
    sampled: trace.sampled,
    requestId: trace.requestId,
  };
  if (trace.parentSpanId) out.parentSpanId = trace.parentSpanId;
  return out;
}

/**
 * Envoy's random sampling is a function of x-request-id, not a fresh coin flip: every proxy that
 * sees the same request (and a retry of it) decides the same way. FNV-1a of the id, mod 10000,
 * against the percentage in hundredths.
 */
export function sampledByRequestId(requestId: string, percentage: number): boolean {
  if (percentage >= 100) return true;
  if (percentage <= 0) return false;
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) {
    h ^= requestId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 10000 < Math.round(percentage * 100);
}

export class Tracer implements StreamObserver {
  private readonly percentage: number;
  private readonly maxPathTagLength: number;
  private readonly baseTags: Record<string, string>;
  private readonly localEndpoint: SpanEndpoint & { serviceName: string };

  constructor(private readonly options: TracingOptions) {
    const pct = options.randomSamplingPercentage ?? 1;
    if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new RangeError(`randomSamplingPercentage must be within 0-100, got ${pct}`);
    this.percentage = pct;
    this.maxPathTagLength = options.maxPathTagLength ?? 256;
    const tags: Record<string, string> = { component: 'proxy' };
    if (options.nodeId) tags.node_id = options.nodeId;
    if (options.meshId) tags['istio.mesh_id'] = options.meshId;
    if (options.namespace) tags['istio.namespace'] = options.namespace;
    if (options.canonicalService) tags['istio.canonical_service'] = options.canonicalService;
    if (options.canonicalRevision) tags['istio.canonical_revision'] = options.canonicalRevision;
    if (options.clusterId) tags['istio.cluster_id'] = options.clusterId;
    this.baseTags = tags;
    this.localEndpoint = endpoint(options.localAddress) as SpanEndpoint & { serviceName: string };
    this.localEndpoint.serviceName = options.serviceName;
  }

  /**
   * Call on the request headers before they go upstream: reads the incoming context, decides,
   * and rewrites the trace headers (and x-request-id when missing) in place.
   */
  startRequest(headers: Headers): RequestTrace {
    let requestId = first(headers[REQUEST_ID_HEADER]);
    if (!requestId) {
      requestId = randomUUID();
      headers[REQUEST_ID_HEADER] = requestId;
    }
    const incoming = extractTraceContext(headers);
    const sampled = incoming?.debug ? true : (incoming?.sampled ?? sampledByRequestId(requestId, this.percentage));
    const trace: RequestTrace = {
      traceId: incoming?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      sampled,
      requestId,
    };
    if (incoming?.traceId && incoming.spanId) trace.parentSpanId = incoming.spanId;
    injectTraceContext(headers, {
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      sampled,
      debug: incoming?.debug,
      tracestate: incoming?.tracestate,
      shortTraceId: incoming?.shortTraceId,
      b3Single: this.options.b3SingleHeader === true || headers.b3 !== undefined,
    });
    return trace;
  }

  /** Records the proxy's span for a finished, sampled stream. */
  onComplete(info: CompletedStream): void {
    if (!info.sampled || !info.traceId || !info.spanId || !this.options.sink) return;
    this.options.sink.export(this.span(info));
  }

  /** The span a finished stream makes (exposed for tests and custom sinks). */
  span(info: CompletedStream): FinishedSpan {
    const tcp = info.protocol === 'TCP';
    const tags: Record<string, string> = { ...this.baseTags };
    if (!tcp) {
      if (info.method) tags['http.method'] = info.method;
      const url = `${info.tls ? 'https' : 'http'}://${info.authority ?? ''}${info.path ?? ''}`;
      tags['http.url'] = url.length > this.maxPathTagLength ? url.slice(0, this.maxPathTagLength) : url;
      tags['http.protocol'] = info.protocol;
      tags['http.status_code'] = String(info.responseCode);
      if (info.userAgent) tags.user_agent = info.userAgent;
      if (info.requestId) tags['guid:x-request-id'] = info.requestId;
    }
    if (info.grpcStatus !== undefined) tags['grpc.status_code'] = String(info.grpcStatus);
    tags.response_flags = responseFlagsString(info.responseFlags);
    tags.request_size = String(info.requestBytes);
    tags.response_size = String(info.responseBytes);
    tags['peer.address'] = hostOf(info.downstreamRemote);
    if (info.upstreamCluster) {
      tags.upstream_cluster = info.upstreamCluster;
      tags['upstream_cluster.name'] = info.upstreamCluster;
    }
    if (info.upstreamHost) tags.upstream_address = info.upstreamHost;
    // Envoy marks a span failed for a 5xx, or when no response was sent at all.
    const error = !tcp && (info.responseCode >= 500 || info.responseCode === 0);
    if (error) tags.error = 'true';
    const server = info.direction === 'inbound';
    const span: FinishedSpan = {
      traceId: info.traceId!,
      spanId: info.spanId!,
      name: this.options.spanName ? this.options.spanName(info) : defaultSpanName(info),
      kind: server ? 'SERVER' : 'CLIENT',
      startTimeMs: info.startTime,
      durationMs: info.durationMs,
      tags,
      localEndpoint: this.localEndpoint,
      error,
    };
    if (info.parentSpanId) span.parentSpanId = info.parentSpanId;
    const remote = server ? info.downstreamRemote : info.upstreamHost;
    if (remote) span.remoteEndpoint = endpoint(remote);
    return span;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function defaultSpanName(info: CompletedStream): string {
  if (info.protocol === 'TCP') return info.upstreamCluster ?? 'tcp';
  const path = info.path ?? '/';
  const q = path.indexOf('?');
  return `${info.authority ?? ''}${q < 0 ? path : path.slice(0, q)}`;
}

/** `ip:port`, `[v6]:port` or a bare address as a Zipkin endpoint. */
function endpoint(address: string | undefined): SpanEndpoint {
  if (!address) return {};
  let host = address;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon > 0 && address.indexOf(':') === colon) {
      host = address.slice(0, colon);
      port = Number(address.slice(colon + 1));
    }
  }
  const family = isIP(host);
  const out: SpanEndpoint = family === 6 ? { ipv6: host } : family === 4 ? { ipv4: host } : {};
  if (port !== undefined && Number.isInteger(port)) out.port = port;
  return out;
}

function hostOf(address: string): string {
  const e = endpoint(address);
  return e.ipv4 ?? e.ipv6 ?? address;
}

