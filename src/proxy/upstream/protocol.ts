// Which HTTP version a cluster speaks upstream, from its HttpProtocolOptions (Envoy's
// typed_extension_protocol_options). Envoy's default is HTTP/1.1; gRPC needs HTTP/2.
import type { Fields } from '../http/stream.js';

export type UpstreamProtocol = 'http1' | 'http2' | 'downstream';

const OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function upstreamProtocol(cluster: Fields): UpstreamProtocol {
  const all = cluster.typed_extension_protocol_options as Record<string, Fields> | undefined;
  const options = all?.[OPTIONS_KEY];
  if (!options) return cluster.http2_protocol_options !== undefined ? 'http2' : 'http1';
  const explicit = options.explicit_http_config as Fields | undefined;
  if (explicit?.http2_protocol_options !== undefined) return 'http2';
  if (explicit?.http_protocol_options !== undefined) return 'http1';
  if (options.use_downstream_protocol_config !== undefined) return 'downstream';
  if (options.auto_config !== undefined) return 'downstream';
  return 'http1';
}
