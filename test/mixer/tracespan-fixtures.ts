// Shared by the tracespan and zipkin tests: a tracespan instance as Istio's docs write it.

/** Istio's sample tracespan instance (its docs), with the fields Istio added later. */
export const ISTIO_TRACESPAN = {
  traceId: 'request.headers["x-b3-traceid"] | ""',
  spanId: 'request.headers["x-b3-spanid"] | ""',
  parentSpanId: 'request.headers["x-b3-parentspanid"] | ""',
  spanName: 'request.path | "/"',
  startTime: 'request.time',
  endTime: 'response.time',
  clientSpan: '(context.reporter.kind | "inbound") == "outbound"',
  rewriteClientSpanId: 'false',
  httpStatusCode: 'response.code | 0',
  sourceName: 'source.workload.name | ""',
  sourceIp: 'source.ip | ip("0.0.0.0")',
  destinationName: 'destination.workload.name | ""',
  destinationIp: 'destination.ip | ip("0.0.0.0")',
  requestSize: 'request.size | 0',
  requestTotalSize: 'request.total_size | 0',
  responseSize: 'response.size | 0',
  responseTotalSize: 'response.total_size | 0',
  apiProtocol: 'api.protocol | ""',
  spanTags: {
    'http.method': 'request.method | ""',
    'http.url': 'request.path | ""',
    'source.principal': 'source.principal | ""',
    'source.version': 'source.labels["version"] | ""',
  },
};
