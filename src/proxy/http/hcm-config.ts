// An HttpConnectionManager's typed_config read into what the proxy acts on: where routes come
// from, the filter chain (each filter built from its factory; an unknown filter rejects the
// listener unless marked optional) and the codec's limits and timeouts.
import { asFields, durationMs, list, reject, wrapped } from '../xds-client/fields.js';
import { readPathNormalization, type PathNormalization } from './path-normalization.js';
import { FilterConfigError, type FilterContext, type HttpFilter, type HttpFilterFactory } from './filter.js';
import type { Fields } from './stream.js';
import { structToJson } from '../../control/xds/struct.js';

export type Codec = 'AUTO' | 'HTTP1' | 'HTTP2';

export interface ConfiguredFilter {
  name: string;
  filter: HttpFilter;
}

export interface HcmConfig {
  statPrefix: string;
  /** RDS name, or '' with `inlineRoutes` set. */
  rdsName: string;
  inlineRoutes?: Fields;
  filters: ConfiguredFilter[];
  codec: Codec;
  websocket: boolean;
  /** Gateways trust the peer address for x-forwarded-for; sidecars append nothing. */
  useRemoteAddress: boolean;
  maxRequestHeadersKb: number;
  /** How long a client may take to send its request headers. */
  requestHeadersTimeoutMs: number;
  idleTimeoutMs: number;
  streamIdleTimeoutMs: number;
  /** Envoy's server_name and server_header_transformation. */
  serverName: string;
  /** normalize_path, merge_slashes, path_with_escaped_slashes_action (path-normalization.ts). */
  pathNormalization?: PathNormalization;
}

/**
 * Envoy's defaults: 60 KiB of request headers, 1 h connection idle timeout, 5 min stream idle.
 * Envoy leaves request_headers_timeout off; we default it to 10 s so a slow-loris client that
 * never finishes its headers is cut off (README: differences from Envoy).
 */
const DEFAULT_REQUEST_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_HEADERS_KB = 60;
const DEFAULT_IDLE_MS = 3_600_000;
const DEFAULT_STREAM_IDLE_MS = 300_000;

const TYPED_STRUCT_TYPES = new Set(['type.googleapis.com/xds.type.v3.TypedStruct', 'type.googleapis.com/udpa.type.v1.TypedStruct']);

/**
 * Envoy's TypedStruct carries a config with no proto of its own as a Struct under its real type
 * URL (the Mixer filter's): such a filter is looked up and configured by that inner URL.
 */
export function unwrapTypedStruct(config: Fields): Fields {
  if (!TYPED_STRUCT_TYPES.has(String(config['@type']))) return config;
  return { ...structToJson(config.value), '@type': String(config.type_url ?? '') };
}

export function readHcm(hcm: Fields, field: string, factories: ReadonlyMap<string, HttpFilterFactory>, log: (line: string) => void): HcmConfig {
  const rds = asFields(hcm.rds);
  const filters: ConfiguredFilter[] = [];
  list(hcm.http_filters).forEach((entry, i) => {
    const at = `${field}.http_filters[${i}]`;
    const name = typeof entry.name === 'string' ? entry.name : '';
    if (entry.disabled === true) return;
    const config = unwrapTypedStruct(asFields(entry.typed_config) ?? {});
    const typeUrl = String(config['@type'] ?? '');
    const factory = factories.get(typeUrl);
    if (!factory) {
      if (entry.is_optional === true) return;
      reject(`${at}.typed_config`, `filter "${name}" has type ${typeUrl || '(none)'}, which this proxy does not implement (mark it is_optional to skip it)`);
    }
    const ctx: FilterContext = { name, log };
    try {
      filters.push({ name, filter: factory.create(config, ctx) });
    } catch (err) {
      if (err instanceof FilterConfigError) reject(`${at}.typed_config.${err.field}`, `filter "${name}": ${err.reason}`);
      throw err;
    }
  });
  const last = filters[filters.length - 1];
  if (!last || last.name !== 'envoy.filters.http.router') reject(`${field}.http_filters`, 'the last filter must be the router (envoy.filters.http.router)');
  const codec = String(hcm.codec_type ?? 'AUTO');
  if (codec !== 'AUTO' && codec !== 'HTTP1' && codec !== 'HTTP2') reject(`${field}.codec_type`, `${codec} is not supported (AUTO, HTTP1 or HTTP2)`);
  const common = asFields(hcm.common_http_protocol_options);
  return {
    statPrefix: String(hcm.stat_prefix ?? ''),
    rdsName: rds ? String(rds.route_config_name) : '',
    ...(rds ? {} : { inlineRoutes: asFields(hcm.route_config) ?? {} }),
    filters,
    codec,
    websocket: list(hcm.upgrade_configs).some((u) => String(u.upgrade_type).toLowerCase() === 'websocket' && u.enabled !== false && (wrapped(u.enabled) ?? 1) !== 0),
    useRemoteAddress: wrapped(hcm.use_remote_address) === 1 || asFields(hcm.use_remote_address)?.value === true,
    maxRequestHeadersKb: wrapped(hcm.max_request_headers_kb) ?? DEFAULT_MAX_HEADERS_KB,
    requestHeadersTimeoutMs: durationMs(hcm.request_headers_timeout) ?? DEFAULT_REQUEST_HEADERS_TIMEOUT_MS,
    idleTimeoutMs: durationMs(common?.idle_timeout) ?? DEFAULT_IDLE_MS,
    streamIdleTimeoutMs: durationMs(hcm.stream_idle_timeout) ?? DEFAULT_STREAM_IDLE_MS,
    serverName: typeof hcm.server_name === 'string' && hcm.server_name !== '' ? hcm.server_name : 'isthmus',
    pathNormalization: readPathNormalization(hcm, field),
  };
}
