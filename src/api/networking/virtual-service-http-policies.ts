// What an HTTP route does besides forwarding: redirect, direct response, rewrite, retries,
// fault injection and CORS. Each schema carries the checks istiod applies to it.
import { z } from 'zod';
import { duration, obj, oneOf, parseDuration, percentValue, port, re2Error, uint32 } from '../fields/common.js';
import { fail } from './virtual-service-hosts.js';
import { stringMatch } from './virtual-service-match.js';

/** Istio's ValidateDuration: at least 1ms and no finer than a millisecond. */
export const msDuration = duration({ minMs: 1 }).superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (ms !== undefined && ms >= 1 && !Number.isInteger(ms)) {
    fail(ctx, [], `duration "${text}" is finer than a millisecond`, 'Envoy takes durations to millisecond precision, e.g. "1500ms"');
  }
});

/** Statuses Istio lets a route answer with itself (abort, direct response). */
const httpStatus = z.number().int().min(200).max(600);

export const httpRedirect = oneOf(obj({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: port.optional(),
  derivePort: z.enum(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']).optional(),
  scheme: z.enum(['http', 'https']).optional(),
  redirectCode: z.number().int().min(300).max(399).optional(),
}), ['port', 'derivePort']).superRefine((r, ctx) => {
  if (!r.uri && !r.authority && !r.scheme && r.port === undefined && r.derivePort === undefined) {
    fail(ctx, [], 'a redirect must change something', 'set at least one of uri, authority, scheme, port or derivePort');
  }
});
export type HTTPRedirect = z.infer<typeof httpRedirect>;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_BODY_BYTES = 1024 * 1024; // istiod refuses bodies over 1MB: they travel in every push

export const httpDirectResponse = obj({
  status: httpStatus,
  body: oneOf(obj({ string: z.string().optional(), bytes: z.string().optional() }), ['string', 'bytes'])
    .superRefine((b, ctx) => {
      if (b.bytes !== undefined && !BASE64.test(b.bytes)) {
        fail(ctx, ['bytes'], 'body.bytes is not valid base64', 'encode the body as base64, e.g. "dW5rbm93biBlcnJvcg=="');
      }
      const size = b.string !== undefined ? Buffer.byteLength(b.string) : Math.floor(((b.bytes ?? '').length * 3) / 4);
      if (size > MAX_BODY_BYTES) fail(ctx, [b.string !== undefined ? 'string' : 'bytes'], 'the direct response body is larger than 1MB', 'serve large bodies from a service');
    })
    .optional(),
});
export type HTTPDirectResponse = z.infer<typeof httpDirectResponse>;

const regexRewrite = obj({
  match: z.string().optional(),
  rewrite: z.string().optional(),
}).superRefine((r, ctx) => {
  if (!r.match || !r.rewrite) {
    fail(ctx, [r.match ? 'rewrite' : 'match'], 'uriRegexRewrite needs both match and rewrite', 'e.g. match: "^/service/([^/]+)(/.*)$", rewrite: "/v2/\\\\2"');
    return;
  }
  const err = re2Error(r.match);
  if (err !== undefined) fail(ctx, ['match'], `"${r.match}" is not a valid RE2 regex: ${err}`, 'Istio uses RE2 syntax: no lookaround and no backreferences');
});

export const httpRewrite = obj({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: regexRewrite.optional(),
}).superRefine((r, ctx) => {
  if (r.uri && r.uriRegexRewrite) {
    fail(ctx, ['uriRegexRewrite'], 'rewrite may set only one of uri and uriRegexRewrite', 'keep one of them');
  } else if (!r.uri && !r.uriRegexRewrite && !r.authority) {
    fail(ctx, [], 'a rewrite must change something', 'set uri, uriRegexRewrite or authority');
  }
});
export type HTTPRewrite = z.infer<typeof httpRewrite>;

/** Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on policies that Istio accepts. */
export const RETRY_ON_POLICIES = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;

// Istio also accepts any status code Go's net/http has a name for; such codes are retried as
// retriable-status-codes.
const KNOWN_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
  424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

const retryOn = z.string().superRefine((text, ctx) => {
  for (const policy of text.split(',')) {
    const known = (RETRY_ON_POLICIES as readonly string[]).includes(policy) || (/^\d+$/.test(policy) && KNOWN_STATUS_CODES.has(Number(policy)));
    if (!known) {
      fail(ctx, [], `"${policy}" is not a valid retryOn policy`,
        `use a comma-separated list (no spaces) of ${RETRY_ON_POLICIES.join(', ')} or HTTP status codes such as 503`);
    }
  }
});

export const httpRetry = obj({
  attempts: z.number().int().min(0).max(2147483647).optional(),
  perTryTimeout: msDuration.optional(),
  retryOn: retryOn.optional(),
  retryRemoteLocalities: z.boolean().optional(),
  // Newer Istio: base interval between retries (Envoy's retry_back_off.base_interval).
  backoff: msDuration.optional(),
}).superRefine((r, ctx) => {
  const extra = (['perTryTimeout', 'retryOn', 'retryRemoteLocalities', 'backoff'] as const).find((k) => r[k] !== undefined);
  if (!r.attempts && extra) {
    fail(ctx, [extra], `${extra} is set but retries are disabled (attempts is ${r.attempts === undefined ? 'unset, i.e. 0' : '0'})`,
      'set attempts to the number of retries, e.g. attempts: 3');
  }
});
export type HTTPRetry = z.infer<typeof httpRetry>;

/** Istio's fault percentage: 0, or between 0.0001 and 100 (Envoy's precision). */
const faultPercent = obj({ value: percentValue }).superRefine((p, ctx) => {
  if (p.value > 0 && p.value < 0.0001) fail(ctx, ['value'], `percentage ${p.value} is too small to apply`, 'use 0 or a value between 0.0001 and 100');
});

const GRPC_STATUSES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

const delay = oneOf(obj({
  fixedDelay: msDuration.optional(),
  exponentialDelay: msDuration.optional(),
  percentage: faultPercent.optional(),
  /** Deprecated integer form of percentage. */
  percent: z.number().int().min(0).max(100).optional(),
}), ['fixedDelay', 'exponentialDelay'], { required: true }).superRefine((d, ctx) => {
  if (d.exponentialDelay !== undefined) fail(ctx, ['exponentialDelay'], 'exponentialDelay is not supported', 'use fixedDelay');
});

const abort = oneOf(obj({
  httpStatus: httpStatus.optional(),
  grpcStatus: z.enum(GRPC_STATUSES).optional(),
  http2Error: z.string().optional(),
  percentage: faultPercent.optional(),
}), ['httpStatus', 'grpcStatus', 'http2Error'], { required: true }).superRefine((a, ctx) => {
  if (a.http2Error !== undefined) fail(ctx, ['http2Error'], 'HTTP/2 abort fault injection is not supported', 'use httpStatus or grpcStatus');
});

export const httpFaultInjection = obj({
  delay: delay.optional(),
  abort: abort.optional(),
}).superRefine((f, ctx) => {
  if (!f.delay && !f.abort) fail(ctx, [], 'a fault must have a delay, an abort or both', 'e.g. delay: {fixedDelay: 5s, percentage: {value: 10}}');
});
export type HTTPFaultInjection = z.infer<typeof httpFaultInjection>;

const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*'] as const;
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;

const corsHeaderName = z.string().superRefine((name, ctx) => {
  if (name !== '*' && !HEADER_TOKEN.test(name)) fail(ctx, [], `"${name}" is not a valid header name`, 'use a header name such as "X-Foo-Bar", or "*"');
});

const corsOrigin = stringMatch.superRefine((m, ctx) => {
  const key = m.exact !== undefined ? 'exact' : m.prefix !== undefined ? 'prefix' : 'regex';
  if (m[key] === '') fail(ctx, [key], 'an allowed origin cannot be empty', 'e.g. exact: "https://example.com"');
});

export const corsPolicy = obj({
  allowOrigins: z.array(corsOrigin).optional(),
  /** Deprecated: exact origins; use allowOrigins. */
  allowOrigin: z.array(z.string()).optional(),
  allowMethods: z.array(z.enum(CORS_METHODS)).optional(),
  allowHeaders: z.array(corsHeaderName).optional(),
  exposeHeaders: z.array(corsHeaderName).optional(),
  maxAge: msDuration.superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms !== undefined && ms % 1000 !== 0) fail(ctx, [], `maxAge "${text}" is not a whole number of seconds`, 'Access-Control-Max-Age is in seconds, e.g. "24h" or "600s"');
  }).optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.enum(['UNSPECIFIED', 'FORWARD', 'IGNORE']).optional(),
});
export type CorsPolicy = z.infer<typeof corsPolicy>;

/** mirrorPercent is the deprecated integer twin of mirrorPercentage. */
export const mirrorPercent = uint32.max(100);
