// The proxy's observability: Istio standard metrics, metadata exchange, access logs and tracing,
// all fed from one CompletedStream record per finished stream or connection.
export { fanOut, type CompletedStream, type PeerMetadata, type StreamObserver, type StreamProtocol, type TrafficDirection } from './completed-stream.js';
export {
  appOf,
  canonicalRevisionOf,
  canonicalServiceOf,
  namespaceOfPrincipal,
  spiffePrincipal,
  versionOf,
  CANONICAL_NAME_LABEL,
  CANONICAL_REVISION_LABEL,
  type WorkloadMetadata,
} from './workload.js';
export { parseClusterName, SPECIAL_CLUSTERS, type ClusterService } from './cluster-name.js';
export { responseFlagsString } from './response-flags.js';
export {
  IstioMetrics,
  HTTP_LABEL_NAMES,
  TCP_LABEL_NAMES,
  type IstioMetricsOptions,
  type TcpConnectionFacts,
  type TcpConnectionMetrics,
} from './metrics.js';
export { ENVOY_DEFAULT_BUCKETS } from './prom-text.js';
export {
  MetadataExchange,
  decodePeerMetadata,
  encodePeerMetadata,
  hasPeerMetadataHeaders,
  stripPeerMetadataHeaders,
  workloadFromNodeMetadata,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
  type MetadataExchangeOptions,
} from './peer-metadata.js';
export {
  AccessLogger,
  accessLogRecord,
  formatAccessLog,
  formatJsonAccessLog,
  formatTextAccessLog,
  type AccessLogEncoding,
  type AccessLoggerOptions,
  type AccessLogRecord,
} from './access-log.js';
export { AccessLogSink, type AccessLogSinkOptions } from './access-log-sink.js';
export {
  extractTraceContext,
  formatB3Single,
  formatTraceparent,
  injectTraceContext,
  newSpanId,
  newTraceId,
  parseB3Multi,
  parseB3Single,
  parseTraceparent,
  type IncomingTraceContext,
  type OutgoingTraceContext,
} from './trace-context.js';
export { Tracer, sampledByRequestId, traceFields, REQUEST_ID_HEADER, type RequestTrace, type TracingOptions } from './tracing.js';
export { otlpJson, zipkinJson, type FinishedSpan, type SpanEndpoint, type SpanKind } from './span-encoding.js';
export {
  SpanExporter,
  DEFAULT_COLLECTOR_PATH,
  type SpanExporterOptions,
  type SpanExporterStats,
  type SpanSink,
  type SpanWireFormat,
} from './span-exporter.js';
