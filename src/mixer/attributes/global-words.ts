// The global word dictionary of compressed Reports (Istio's `global_word_count` scheme): words
// both sides know, so a compressed bag names them by index instead of carrying the text. A
// client says how many of these it used (ReportRequest.global_word_count); Mixer refuses a count
// beyond its own list. APPEND ONLY: never reorder, remove or rename a word — an older client's
// index must keep meaning the same word to a newer Mixer.

export const GLOBAL_WORDS: readonly string[] = Object.freeze([
  // Attribute names (docs/attributes.md), in the vocabulary's order when this list was made.
  'source.uid', 'source.ip', 'source.labels', 'source.name',
  'source.namespace', 'source.principal', 'source.owner', 'source.workload.uid',
  'source.workload.name', 'source.workload.namespace', 'destination.uid', 'destination.ip',
  'destination.port', 'destination.labels', 'destination.name', 'destination.namespace',
  'destination.principal', 'destination.owner', 'destination.workload.uid', 'destination.workload.name',
  'destination.workload.namespace', 'destination.container.name', 'destination.service.host', 'destination.service.uid',
  'destination.service.name', 'destination.service.namespace', 'origin.ip', 'request.headers',
  'request.id', 'request.path', 'request.url_path', 'request.query_params',
  'request.host', 'request.method', 'request.reason', 'request.referer',
  'request.scheme', 'request.size', 'request.total_size', 'request.time',
  'request.useragent', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter',
  'request.auth.claims', 'request.api_key', 'response.headers', 'response.size',
  'response.total_size', 'response.time', 'response.duration', 'response.code',
  'response.grpc_status', 'response.grpc_message', 'connection.id', 'connection.event',
  'connection.received.bytes', 'connection.received.bytes_total', 'connection.sent.bytes', 'connection.sent.bytes_total',
  'connection.duration', 'connection.mtls', 'connection.requested_server_name', 'context.protocol',
  'context.time', 'context.reporter.kind', 'context.reporter.uid', 'context.proxy_error_code',
  'api.service', 'api.version', 'api.operation', 'api.protocol',
  'check.error_code', 'check.error_message', 'check.cache_hit', 'quota.cache_hit',
  // Request and response header names the proxy sees most.
  ':authority', ':method', ':path', ':scheme', ':status',
  'host', 'accept', 'accept-encoding', 'accept-language', 'authorization',
  'cache-control', 'connection', 'content-encoding', 'content-length', 'content-type',
  'cookie', 'date', 'etag', 'expires', 'grpc-encoding',
  'grpc-accept-encoding', 'grpc-message', 'grpc-status', 'grpc-timeout', 'if-modified-since',
  'if-none-match', 'last-modified', 'location', 'origin', 'pragma',
  'referer', 'server', 'set-cookie', 'te', 'transfer-encoding',
  'upgrade', 'user-agent', 'vary', 'x-b3-flags', 'x-b3-parentspanid',
  'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid', 'x-envoy-upstream-service-time', 'x-forwarded-for',
  'x-forwarded-proto', 'x-request-id',
  // Common values: methods, schemes, protocols, reporter kinds, content types, status codes, label keys.
  'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT',
  'http', 'https', 'grpc', 'http2', 'tcp', 'inbound', 'outbound', 'gateway',
  'application/json', 'application/grpc', 'text/plain', 'text/html', '0', '200', '204', '301',
  '302', '304', '400', '401', '403', '404', '429', '500',
  '502', '503', '504', 'app', 'version',
]);

/** Word → global index, for encoders. */
export const GLOBAL_WORD_INDEX: ReadonlyMap<string, number> = new Map(GLOBAL_WORDS.map((w, i) => [w, i]));
