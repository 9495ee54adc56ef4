// Type URLs of the Envoy extension messages translation nests inside `Any` fields.
const T = 'type.googleapis.com/';

export const EXT = {
  HCM: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TCP_PROXY: `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  ROUTER: `${T}envoy.extensions.filters.http.router.v3.Router`,
  FAULT: `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  CORS: `${T}envoy.extensions.filters.http.cors.v3.Cors`,
  CORS_POLICY: `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  UPSTREAM_TLS: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  DOWNSTREAM_TLS: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  HTTP_PROTOCOL_OPTIONS: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  TLS_INSPECTOR: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  PREVIOUS_HOSTS: `${T}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
} as const;

/** Filter names, as Envoy's well-known names and as typed_per_filter_config keys. */
export const FILTER = {
  HCM: 'envoy.filters.network.http_connection_manager',
  TCP_PROXY: 'envoy.filters.network.tcp_proxy',
  ROUTER: 'envoy.filters.http.router',
  FAULT: 'envoy.filters.http.fault',
  CORS: 'envoy.filters.http.cors',
  TLS: 'envoy.transport_sockets.tls',
  HTTP_PROTOCOL_OPTIONS: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;
