// Connects the proxy's streams to observability: metadata exchange on the wire (so each side
// knows the other's workload), trace context on requests, and one CompletedStream per finished
// HTTP stream or TCP connection handed to Istio's metrics, the access log and the tracer.
import type { ProxyObserver, StreamSummary, TcpSummary } from '../http/observer.js';
import type { HttpStream } from '../http/stream.js';
import type { XdsNode } from '../xds-client/index.js';
import { AccessLogger } from './access-log.js';
import { AccessLogSink } from './access-log-sink.js';
import { fanOut, type CompletedStream, type PeerMetadata, type StreamObserver } from './completed-stream.js';
import { IstioMetrics } from './metrics.js';
import { hasPeerMetadataHeaders, MetadataExchange, workloadFromNodeMetadata } from './peer-metadata.js';
import { SpanExporter } from './span-exporter.js';
import { traceFields, Tracer, type RequestTrace } from './tracing.js';

export interface ObservabilityOptions {
  node: XdsNode;
  /** Istio's standard metrics (the stats filter); on in every Istio sidecar. */
  metrics: boolean;
  /** MeshConfig accessLogFile: a path, `/dev/stdout`, or undefined for none (Istio's default). */
  accessLogFile?: string;
  accessLogEncoding?: 'TEXT' | 'JSON';
  tracing?: { format: 'zipkin' | 'otlp'; endpoint: string; samplingPercent: number };
  log?: (line: string) => void;
}

const PEER = 'isthmus.peer';
const PEER_ASKED = 'isthmus.peer_asked';
const TRACE = 'isthmus.trace';

export class MeshObserver implements ProxyObserver {
  readonly metrics: IstioMetrics | undefined;
  private readonly exchange: MetadataExchange;
  private readonly tracer: Tracer | undefined;
  private readonly exporter: SpanExporter | undefined;
  private readonly sink: AccessLogSink | undefined;
  private readonly complete: StreamObserver;

  constructor(opts: ObservabilityOptions) {
    const local = workloadFromNodeMetadata(opts.node.metadata ?? {});
    this.exchange = new MetadataExchange({ nodeId: opts.node.id, local });
    const observers: StreamObserver[] = [];
    if (opts.metrics) {
      this.metrics = new IstioMetrics({ local });
      observers.push(this.metrics);
    }
    if (opts.accessLogFile) {
      this.sink = AccessLogSink.forPath(opts.accessLogFile);
      observers.push(new AccessLogger(this.sink, { encoding: opts.accessLogEncoding ?? 'TEXT' }));
    }
    if (opts.tracing) {
      this.exporter = new SpanExporter({ format: opts.tracing.format, endpoint: opts.tracing.endpoint });
      const ns = local.namespace ?? 'default';
      this.tracer = new Tracer({ serviceName: `${local.workloadName ?? 'unknown'}.${ns}`, randomSamplingPercentage: opts.tracing.samplingPercent, sink: this.exporter, nodeId: opts.node.id, namespace: ns });
      observers.push(this.tracer);
    }
    const log = opts.log ?? (() => {});
    this.complete = fanOut(observers, (err) => log(`observability: ${(err as Error).message}`));
  }

  onRequestHeaders(stream: HttpStream): void {
    if (stream.direction !== 'inbound') return;
    const headers = stream.request.headers;
    if (hasPeerMetadataHeaders(headers)) {
      stream.filterState.set(PEER_ASKED, true);
      const peer = this.exchange.extract(headers);
      if (peer) stream.filterState.set(PEER, peer);
    }
    // The server-side span continues the caller's trace; the headers go on to the app rewritten.
    if (this.tracer) stream.filterState.set(TRACE, this.tracer.startRequest(headers));
  }

  onUpstreamRequest(stream: HttpStream, headers: Record<string, string | string[]>): void {
    if (stream.direction === 'inbound') return;
    this.exchange.inject(headers);
    if (this.tracer) stream.filterState.set(TRACE, this.tracer.startRequest(headers));
  }

  onResponseHeaders(stream: HttpStream, headers: Record<string, string | string[]>): void {
    if (stream.direction === 'inbound') {
      if (stream.filterState.get(PEER_ASKED)) this.exchange.inject(headers);
      return;
    }
    const peer = this.exchange.extract(headers);
    if (peer) stream.filterState.set(PEER, peer);
  }

  onStreamComplete(s: StreamSummary): void {
    const { stream } = s;
    const req = stream.request;
    const h = req.headers;
    const trace = stream.filterState.get(TRACE) as RequestTrace | undefined;
    const info: CompletedStream = {
      startTime: stream.startTime,
      durationMs: s.durationMs,
      protocol: req.protocol,
      method: req.method,
      path: req.path,
      authority: req.authority,
      responseCode: s.responseCode,
      responseCodeDetails: s.responseCodeDetails,
      grpc: stream.isGrpc,
      responseFlags: [...stream.responseFlags],
      requestBytes: s.requestBytes,
      responseBytes: s.responseBytes,
      downstreamRemote: `${stream.downstream.remoteAddress}:${stream.downstream.remotePort}`,
      downstreamLocal: `${stream.downstream.localAddress}:${stream.downstream.localPort}`,
      direction: stream.direction,
      tls: stream.downstream.tls,
      // Istio's source_principal (inbound): the URI SAN of the verified client certificate.
      ...(stream.downstream.peer?.uriSans[0] ? { peerPrincipal: stream.downstream.peer.uriSans[0] } : {}),
      ...(s.grpcStatus !== undefined ? { grpcStatus: s.grpcStatus } : {}),
      ...(typeof h['user-agent'] === 'string' ? { userAgent: h['user-agent'] } : {}),
      ...(typeof h['x-request-id'] === 'string' ? { requestId: h['x-request-id'] } : {}),
      ...(typeof h['x-forwarded-for'] === 'string' ? { forwardedFor: h['x-forwarded-for'] } : {}),
      ...(stream.upstream ? { upstreamCluster: stream.upstream.cluster } : {}),
      ...(stream.upstream?.host ? { upstreamHost: stream.upstream.host } : {}),
      ...(stream.upstream?.transportFailureReason ? { upstreamTransportFailureReason: stream.upstream.transportFailureReason } : {}),
      ...(typeof stream.route?.route.name === 'string' ? { routeName: stream.route.route.name } : {}),
      ...(stream.filterState.has(PEER) ? { peer: stream.filterState.get(PEER) as PeerMetadata } : {}),
      ...(trace ? traceFields(trace) : {}),
    };
    const upstreamTime = s.responseHeaders['x-envoy-upstream-service-time'];
    if (typeof upstreamTime === 'string') info.upstreamServiceTimeMs = Number(upstreamTime);
    this.complete.onComplete(info);
  }

  onTcpComplete(t: TcpSummary): void {
    this.complete.onComplete({
      startTime: t.startTime,
      durationMs: t.durationMs,
      protocol: 'TCP',
      responseCode: 0,
      responseFlags: t.flag ? [t.flag] : [],
      requestBytes: t.receivedBytes,
      responseBytes: t.sentBytes,
      upstreamCluster: t.cluster,
      ...(t.upstreamHost ? { upstreamHost: t.upstreamHost } : {}),
      ...(t.upstreamTransportFailureReason ? { upstreamTransportFailureReason: t.upstreamTransportFailureReason } : {}),
      downstreamRemote: t.downstreamRemote,
      downstreamLocal: t.downstreamLocal,
      direction: t.direction,
      tls: t.tls === true,
      ...(t.peerPrincipal ? { peerPrincipal: t.peerPrincipal } : {}),
    });
  }

  metricsText(): Promise<string> {
    return this.metrics ? this.metrics.metricsText() : Promise.resolve('');
  }

  async close(): Promise<void> {
    await this.sink?.close();
    await this.exporter?.close();
  }
}
