// The compressor filter (envoy.extensions.filters.http.compressor.v3.Compressor): compresses
// response bodies with gzip or brotli when the client accepts it (Accept-Encoding with q-values,
// negotiated across every compressor filter on the stream), the content type is on the list
// (Envoy's default list when none is given), the body is at least min_content_length (default
// 30) and nothing forbids it: an existing Content-Encoding, Cache-Control: no-transform, a HEAD
// request, 1xx/204/304, an ETag under disable_on_etag_header. A compressed response loses its
// Content-Length and strong ETag (weak ones stay, as in Envoy) and gains Vary: Accept-Encoding.
//
// The compression itself is a node:zlib stream pushed onto stream.responseTransforms. zlib's
// stream classes hand each chunk to libuv's threadpool, so compressing runs off the event loop;
// only the copying in and out happens on it.
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, Headers, HttpStream, ResponseHead } from '../stream.js';
import { bool, checkType, list, message, reject, str, wrappedBool, wrappedUint } from './config-fields.js';
import { chosenEncoding, mediaType, registerCompressor, type RegisteredCompressor } from './accept-encoding.js';
import { readCompressorLibrary, type CompressorLibrary } from './compressor-library.js';
import { getHeader, hasToken, removeHeader, setHeader } from './header-map.js';
import { readFeatureFlag } from './percent.js';
import { mostSpecific } from './per-route.js';

export const COMPRESSOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor';
export const COMPRESSOR_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute';

/** Envoy's default compressible media types. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  'text/html', 'text/plain', 'text/css', 'application/javascript', 'application/x-javascript', 'text/javascript',
  'text/x-javascript', 'text/ecmascript', 'text/js', 'text/jscript', 'text/x-js', 'application/ecmascript',
  'application/x-json', 'application/xml', 'application/json', 'image/svg+xml', 'text/xml', 'application/xhtml+xml',
  'application/grpc-web', 'application/grpc-web+proto',
];

const DEFAULT_MIN_CONTENT_LENGTH = 30;

interface ResponseSettings {
  enabled: boolean;
  minContentLength: number;
  contentTypes: ReadonlySet<string>;
  disableOnEtag: boolean;
  removeAcceptEncoding: boolean;
}

interface PerRoute {
  /** undefined: the filter's own setting. */
  enabled?: boolean;
  removeAcceptEncoding?: boolean;
}

function readResponseSettings(config: Fields): ResponseSettings {
  const rdc = message(config.response_direction_config, 'response_direction_config');
  // Without response_direction_config the deprecated top-level fields apply.
  const common = rdc ? (message(rdc.common_config, 'response_direction_config.common_config') ?? {}) : undefined;
  const at = (name: string) => (rdc ? `response_direction_config.common_config.${name}` : name);
  const enabled = common ? readFeatureFlag(common.enabled, at('enabled')) : readFeatureFlag(config.runtime_enabled, 'runtime_enabled');
  const minLength = common ? wrappedUint(common.min_content_length, at('min_content_length')) : wrappedUint(config.content_length, 'content_length');
  const types = list(common ? common.content_type : config.content_type, at('content_type')).map((t, i) => str(t, `${at('content_type')}[${i}]`).trim().toLowerCase());
  const from = rdc ?? config;
  const prefix = rdc ? 'response_direction_config.' : '';
  return {
    enabled: enabled ?? true,
    // Envoy reads 0 as "unset".
    minContentLength: minLength || DEFAULT_MIN_CONTENT_LENGTH,
    contentTypes: new Set(types.length > 0 ? types : DEFAULT_CONTENT_TYPES),
    disableOnEtag: bool(from.disable_on_etag_header, `${prefix}disable_on_etag_header`),
    removeAcceptEncoding: bool(from.remove_accept_encoding_header, `${prefix}remove_accept_encoding_header`),
  };
}

function checkRequestDirection(config: Fields): void {
  const req = message(config.request_direction_config, 'request_direction_config');
  if (!req) return;
  const common = message(req.common_config, 'request_direction_config.common_config');
  const enabled = readFeatureFlag(common?.enabled, 'request_direction_config.common_config.enabled') ?? true;
  if (enabled) reject('request_direction_config', 'request body compression is not supported by this proxy (set common_config.enabled false or leave it out)');
}

function readPerRoute(config: Fields): PerRoute {
  checkType(config, COMPRESSOR_PER_ROUTE_TYPE);
  const disabled = config.disabled !== undefined && config.disabled !== null;
  const overrides = message(config.overrides, 'overrides');
  if (disabled === (overrides !== undefined)) reject('override', 'needs exactly one of disabled and overrides');
  if (disabled) {
    if (config.disabled !== true) reject('disabled', 'may only be true');
    return { enabled: false };
  }
  const rdc = message(overrides!.response_direction_config, 'overrides.response_direction_config');
  if (!rdc) return {};
  // A response_direction_config override, even an empty one, turns response compression on.
  return { enabled: true, removeAcceptEncoding: wrappedBool(rdc.remove_accept_encoding_header, 'overrides.response_direction_config.remove_accept_encoding_header') };
}

/** Whether the response can carry a body at all (Envoy sees end_stream on the headers otherwise). */
function hasBody(stream: HttpStream, status: number): boolean {
  return stream.request.method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

const COMPRESSED_TRANSFER_CODINGS = ['gzip', 'br', 'deflate', 'compress', 'zstd'];

class CompressorFilter implements HttpFilter {
  private readonly perRoute = new WeakMap<Fields, PerRoute>();
  /** Accept-Encoding as the request brought it (before remove_accept_encoding_header). */
  private readonly accept = new WeakMap<HttpStream, string>();
  private readonly registration: RegisteredCompressor;

  constructor(
    private readonly library: CompressorLibrary,
    private readonly response: ResponseSettings,
    chooseFirst: boolean,
    private readonly ctx: FilterContext,
  ) {
    this.registration = { encoding: library.encoding, contentTypes: response.contentTypes, chooseFirst };
  }

  private routeOverrides(stream: HttpStream): PerRoute {
    const config = mostSpecific(stream, this.ctx.name);
    if (!config) return {};
    let p = this.perRoute.get(config);
    if (!p) {
      try {
        p = readPerRoute(config);
      } catch (err) {
        // validatePerRoute rejects such a route table first; never fail a request over it.
        this.ctx.log(`compressor: ignoring a bad per-route config: ${(err as Error).message}`);
        p = {};
      }
      this.perRoute.set(config, p);
    }
    return p;
  }

  decodeHeaders(stream: HttpStream): FilterStatus {
    registerCompressor(stream, this.registration);
    const accept = getHeader(stream.request.headers, 'accept-encoding');
    if (accept !== undefined) this.accept.set(stream, accept);
    const route = this.routeOverrides(stream);
    const enabled = route.enabled ?? this.response.enabled;
    if (enabled && (route.removeAcceptEncoding ?? this.response.removeAcceptEncoding)) {
      removeHeader(stream.request.headers, 'accept-encoding');
    }
    return 'continue';
  }

  private minimumLength(headers: Headers): boolean {
    const cl = getHeader(headers, 'content-length');
    if (cl === undefined) return true;
    return /^\d+$/.test(cl.trim()) && Number(cl) >= this.response.minContentLength;
  }

  private contentTypeAllowed(headers: Headers): boolean {
    const ct = getHeader(headers, 'content-type');
    return ct === undefined || this.response.contentTypes.has(mediaType(ct));
  }

  private transferEncodingAllowed(headers: Headers): boolean {
    const te = getHeader(headers, 'transfer-encoding');
    return te === undefined || ![...COMPRESSED_TRANSFER_CODINGS, this.library.encoding].some((c) => hasToken(te, c));
  }

  encodeHeaders(stream: HttpStream, head: ResponseHead): void {
    const h = head.headers;
    const enabled = this.routeOverrides(stream).enabled ?? this.response.enabled;
    const worthIt = enabled && this.minimumLength(h);
    const compressible =
      worthIt &&
      head.status !== 101 &&
      this.contentTypeAllowed(h) &&
      !hasToken(getHeader(h, 'cache-control'), 'no-transform') &&
      !(this.response.disableOnEtag && getHeader(h, 'etag') !== undefined) &&
      getHeader(h, 'content-encoding') === undefined;
    const accept = this.accept.get(stream);
    if (worthIt && hasBody(stream, head.status) && accept !== undefined && compressible && this.transferEncodingAllowed(h)) {
      const encoding = chosenEncoding(stream, accept, mediaType(getHeader(h, 'content-type')));
      if (encoding === this.library.encoding) {
        const etag = getHeader(h, 'etag');
        if (etag !== undefined && etag.length > 2 && !/^w\//i.test(etag)) removeHeader(h, 'etag');
        removeHeader(h, 'content-length');
        setHeader(h, 'content-encoding', this.library.encoding);
        stream.responseTransforms.push(this.library.create());
      }
    }
    // Even uncompressed, a compressible response varies with Accept-Encoding for caches.
    if (compressible) {
      const vary = getHeader(h, 'vary');
      if (vary === undefined) setHeader(h, 'vary', 'Accept-Encoding');
      else if (!hasToken(vary, 'accept-encoding')) setHeader(h, 'vary', `${vary}, Accept-Encoding`);
    }
  }
}

export const compressorFilter: HttpFilterFactory = {
  typeUrl: COMPRESSOR_TYPE,
  create(config: Fields, ctx: FilterContext): HttpFilter {
    checkType(config, COMPRESSOR_TYPE);
    const library = readCompressorLibrary(config.compressor_library, 'compressor_library');
    checkRequestDirection(config);
    return new CompressorFilter(library, readResponseSettings(config), bool(config.choose_first, 'choose_first'), ctx);
  },
  validatePerRoute(config: Fields): void {
    readPerRoute(config);
  },
};
