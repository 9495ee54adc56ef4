// The local rate limit filter (envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit):
// a token bucket per listener filter, and a separate one per per-route config (each route, or
// virtual host, that carries its own LocalRateLimit gets its own bucket). Each request the filter
// is enabled for (filter_enabled, default 0% — Envoy's safe default) takes a token; without one
// it is answered locally with 429 (or `status`), response_headers_to_add and flag RL when the
// decision is enforced (filter_enforced, default 0%), or forwarded with
// request_headers_to_add_when_not_enforced when it is not. With enable_x_ratelimit_headers
// DRAFT_VERSION_03 every response of a limited route carries x-ratelimit-limit/-remaining/-reset.
// Buckets refill lazily from an injectable clock; the per-request fractions use an injectable
// random source.
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, HttpStream, ResponseHead } from '../stream.js';
import { bool, checkType, durationMs, enumName, list, message, reject, str, uint, wrappedUint } from './config-fields.js';
import { addHeader } from './header-map.js';
import { compileHeaderValueOptions, evaluateHeaderOptions, type CompiledHeaderOption } from './header-value-option.js';
import { fractionHit, readRuntimeFraction, type Fraction } from './percent.js';
import { mostSpecific } from './per-route.js';
import { TokenBucket } from './token-bucket.js';

export const LOCAL_RATELIMIT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

/** Envoy's envoy.type.v3.StatusCode names. */
const STATUS_CODES: Record<string, number> = {
  Continue: 100, OK: 200, Created: 201, Accepted: 202, NonAuthoritativeInformation: 203, NoContent: 204,
  ResetContent: 205, PartialContent: 206, MultiStatus: 207, AlreadyReported: 208, IMUsed: 226, MultipleChoices: 300,
  MovedPermanently: 301, Found: 302, SeeOther: 303, NotModified: 304, UseProxy: 305, TemporaryRedirect: 307,
  PermanentRedirect: 308,
  BadRequest: 400, Unauthorized: 401, PaymentRequired: 402, Forbidden: 403, NotFound: 404, MethodNotAllowed: 405,
  NotAcceptable: 406, ProxyAuthenticationRequired: 407, RequestTimeout: 408, Conflict: 409, Gone: 410,
  LengthRequired: 411, PreconditionFailed: 412, PayloadTooLarge: 413, URITooLong: 414, UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416, ExpectationFailed: 417, MisdirectedRequest: 421, UnprocessableEntity: 422, Locked: 423,
  FailedDependency: 424, UpgradeRequired: 426, PreconditionRequired: 428, TooManyRequests: 429,
  RequestHeaderFieldsTooLarge: 431, InternalServerError: 500, NotImplemented: 501, BadGateway: 502,
  ServiceUnavailable: 503, GatewayTimeout: 504, HTTPVersionNotSupported: 505, VariantAlsoNegotiates: 506,
  InsufficientStorage: 507, LoopDetected: 508, NotExtended: 510, NetworkAuthenticationRequired: 511,
};

const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;

export interface LocalRateLimitDeps {
  /** Monotonic milliseconds for the buckets; performance.now by default. */
  now?: () => number;
  /** Uniform in [0, 1) for filter_enabled / filter_enforced; Math.random by default. */
  random?: () => number;
}

interface BucketSpec {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
}

interface LimitSettings {
  status: number;
  bucket?: BucketSpec;
  enabled?: Fraction;
  enforced?: Fraction;
  responseHeaders: CompiledHeaderOption[];
  requestHeadersWhenNotEnforced: CompiledHeaderOption[];
  xRateLimitHeaders: boolean;
  grpcStatus: number;
}

function readBucket(value: unknown, field: string): BucketSpec | undefined {
  const b = message(value, field);
  if (!b) return undefined;
  const maxTokens = uint(b.max_tokens, `${field}.max_tokens`);
  if (maxTokens < 1) reject(`${field}.max_tokens`, 'must be greater than 0');
  const tokensPerFill = wrappedUint(b.tokens_per_fill, `${field}.tokens_per_fill`) ?? 1;
  if (tokensPerFill < 1) reject(`${field}.tokens_per_fill`, 'must be greater than 0');
  const fillIntervalMs = durationMs(b.fill_interval, `${field}.fill_interval`) ?? reject(`${field}.fill_interval`, 'is required');
  if (fillIntervalMs < 50) reject(`${field}.fill_interval`, 'must be at least 50ms');
  return { maxTokens, tokensPerFill, fillIntervalMs };
}

function readStatus(value: unknown): number {
  const s = message(value, 'status');
  if (!s || s.code === undefined) return 429;
  const code = typeof s.code === 'number' ? s.code : STATUS_CODES[String(s.code)];
  if (code === undefined || code === 0) reject('status.code', `${String(s.code)} is not an HTTP status Envoy knows`);
  // As in Envoy: a status below 400 would not be an error; 429 is used instead.
  return code < 400 ? 429 : code;
}

function readSettings(config: Fields, perRoute: boolean): LimitSettings {
  checkType(config, LOCAL_RATELIMIT_TYPE);
  if (str(config.stat_prefix, 'stat_prefix') === '') reject('stat_prefix', 'is required');
  const bucket = readBucket(config.token_bucket, 'token_bucket');
  if (perRoute && !bucket) reject('token_bucket', 'is required in a per-route config');
  // What this proxy cannot do yet is refused rather than silently ignored.
  if (list(config.descriptors, 'descriptors').length > 0) reject('descriptors', 'are not supported (they need route rate_limits actions)');
  if (list(config.rate_limits, 'rate_limits').length > 0) reject('rate_limits', 'are not supported');
  if (bool(config.local_rate_limit_per_downstream_connection, 'local_rate_limit_per_downstream_connection')) {
    reject('local_rate_limit_per_downstream_connection', 'is not supported (no per-connection filter state)');
  }
  if (message(config.local_cluster_rate_limit, 'local_cluster_rate_limit')) reject('local_cluster_rate_limit', 'is not supported');
  const responseHeaders = compileHeaderValueOptions(config.response_headers_to_add, 'response_headers_to_add');
  if (responseHeaders.length > 10) reject('response_headers_to_add', 'holds more than 10 headers');
  const requestHeaders = compileHeaderValueOptions(config.request_headers_to_add_when_not_enforced, 'request_headers_to_add_when_not_enforced');
  if (requestHeaders.length > 10) reject('request_headers_to_add_when_not_enforced', 'holds more than 10 headers');
  const xrl = enumName(config.enable_x_ratelimit_headers, ['OFF', 'DRAFT_VERSION_03'] as const, 'enable_x_ratelimit_headers', 'OFF');
  return {
    status: readStatus(config.status),
    bucket,
    enabled: readRuntimeFraction(config.filter_enabled, 'filter_enabled'),
    enforced: readRuntimeFraction(config.filter_enforced, 'filter_enforced'),
    responseHeaders,
    requestHeadersWhenNotEnforced: requestHeaders,
    xRateLimitHeaders: xrl === 'DRAFT_VERSION_03',
    grpcStatus: bool(config.rate_limited_as_resource_exhausted, 'rate_limited_as_resource_exhausted') ? GRPC_RESOURCE_EXHAUSTED : GRPC_UNAVAILABLE,
  };
}

/** A config and the bucket it owns. */
interface Limiter {
  settings: LimitSettings;
  bucket?: TokenBucket;
}

function limiter(settings: LimitSettings, now: () => number): Limiter {
  return { settings, bucket: settings.bucket && new TokenBucket({ ...settings.bucket, now }) };
}

class LocalRateLimitFilter implements HttpFilter {
  /** The limiter each request used, for its response's x-ratelimit headers. */
  private readonly used = new WeakMap<HttpStream, Limiter>();

  constructor(
    private readonly own: Limiter,
    private readonly routeLimiter: (config: Fields) => Limiter | undefined,
    private readonly ctx: FilterContext,
    private readonly random: () => number,
  ) {}

  decodeHeaders(stream: HttpStream): FilterStatus {
    const config = mostSpecific(stream, this.ctx.name);
    const l = (config && this.routeLimiter(config)) || this.own;
    const s = l.settings;
    if (!s.enabled || !fractionHit(s.enabled, this.random)) return 'continue';
    // No bucket anywhere (a listener-level config meant only to enable per-route limits).
    if (!l.bucket) return 'continue';
    this.used.set(stream, l);
    if (l.bucket.tryConsume()) return 'continue';
    if (!s.enforced || !fractionHit(s.enforced, this.random)) {
      evaluateHeaderOptions(stream.request.headers, s.requestHeadersWhenNotEnforced, stream);
      return 'continue';
    }
    const headers = {};
    evaluateHeaderOptions(headers, s.responseHeaders, stream);
    stream.responseFlags.add('RL');
    stream.sendLocalReply({ status: s.status, body: 'local_rate_limited', headers, grpcStatus: s.grpcStatus, flag: 'RL', details: 'local_rate_limited' });
    return 'stop';
  }

  encodeHeaders(stream: HttpStream, head: ResponseHead): void {
    const l = this.used.get(stream);
    if (!l?.bucket || !l.settings.xRateLimitHeaders) return;
    addHeader(head.headers, 'x-ratelimit-limit', String(l.bucket.maxTokens));
    addHeader(head.headers, 'x-ratelimit-remaining', String(l.bucket.remaining()));
    addHeader(head.headers, 'x-ratelimit-reset', String(l.bucket.resetSeconds()));
  }
}

/** A local rate limit filter factory with its clock and randomness injected (tests). */
export function createLocalRateLimitFactory(deps: LocalRateLimitDeps = {}): HttpFilterFactory {
  const now = deps.now ?? (() => performance.now());
  const random = deps.random ?? Math.random;
  // Per-route buckets live as long as the route table's config objects, shared by every
  // listener that serves that table — as Envoy ties them to the route's config.
  const perRoute = new WeakMap<Fields, Limiter | undefined>();
  return {
    typeUrl: LOCAL_RATELIMIT_TYPE,
    create(config: Fields, ctx: FilterContext): HttpFilter {
      const routeLimiter = (c: Fields): Limiter | undefined => {
        if (!perRoute.has(c)) {
          let l: Limiter | undefined;
          try {
            l = limiter(readSettings(c, true), now);
          } catch (err) {
            // validatePerRoute rejects such a route table first; never fail a request over it.
            ctx.log(`local rate limit: ignoring a bad per-route config: ${(err as Error).message}`);
          }
          perRoute.set(c, l);
        }
        return perRoute.get(c);
      };
      return new LocalRateLimitFilter(limiter(readSettings(config, false), now), routeLimiter, ctx, random);
    },
    validatePerRoute(config: Fields): void {
      readSettings(config, true);
    },
  };
}

export const localRateLimitFilter: HttpFilterFactory = createLocalRateLimitFactory();
