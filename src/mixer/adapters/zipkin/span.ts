// A tracespan instance as a Zipkin v2 span (the JSON the collector's /api/v2/spans takes): ids as
// lower-case hex, times in microseconds since the epoch, every tag a string.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { valueText, ipText } from '../../expr/values.js';
import type { TraceSpanFields } from '../../templates/tracespan.js';

export interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
}

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind: 'CLIENT' | 'SERVER';
  timestamp: number;
  duration: number;
  localEndpoint: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  tags: Record<string, string>;
  shared?: boolean;
}

/** Why an instance became no span; the values label the adapter's counter. */
export type SkipReason = 'invalid_trace_id' | 'invalid_span_id';

export type Conversion = { ok: true; span: ZipkinSpan } | { ok: false; reason: SkipReason; detail: string };

export interface ConvertOptions {
  localServiceName: string;
}

const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ALL_ZERO = /^0+$/;

/** A valid id in Zipkin's form (lower case), or undefined. All zeros is B3's "no id". */
function hexId(value: unknown, shape: RegExp): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.trim().toLowerCase();
  return shape.test(id) && !ALL_ZERO.test(id) ? id : undefined;
}

export function toZipkinSpan(f: TraceSpanFields, opts: ConvertOptions): Conversion {
  const traceId = hexId(f.traceId, TRACE_ID);
  if (!traceId) return { ok: false, reason: 'invalid_trace_id', detail: `traceId ${JSON.stringify(f.traceId)} is not 16 or 32 hex digits` };
  let id = hexId(f.spanId, SPAN_ID);
  if (!id) return { ok: false, reason: 'invalid_span_id', detail: `spanId ${JSON.stringify(f.spanId)} is not 16 hex digits` };
  // A malformed parent costs the span its place in the tree, not the span itself.
  let parentId = hexId(f.parentSpanId, SPAN_ID);
  const client = f.clientSpan === true;
  const rewrite = f.rewriteClientSpanId === true;
  // Istio's rewrite, for backends that want one id per span: the client's span takes an id derived
  // from the propagated one, and the server's span (which keeps the propagated id) names that
  // derived id as its parent. Both sides derive it alone, so their reports need not meet.
  if (rewrite && client) id = derivedSpanId(id);
  else if (rewrite) parentId = derivedSpanId(id);
  if (parentId === id) parentId = undefined;

  const start = f.startTime.getTime();
  const end = f.endTime.getTime();
  // Attribute times have millisecond precision: a sub-millisecond request would otherwise get
  // duration 0, which Zipkin reads as "not finished".
  const durationUs = Math.max(1, Math.round((end - start) * 1000));

  const self = endpoint(client ? f.sourceName : f.destinationName, client ? f.sourceIp : f.destinationIp) ?? {};
  self.serviceName ??= opts.localServiceName;
  const peer = endpoint(client ? f.destinationName : f.sourceName, client ? f.destinationIp : f.sourceIp);

  const span: ZipkinSpan = {
    traceId,
    id,
    ...(parentId ? { parentId } : {}),
    ...(f.spanName ? { name: f.spanName } : {}),
    kind: client ? 'CLIENT' : 'SERVER',
    timestamp: start * 1000,
    duration: durationUs,
    localEndpoint: self,
    ...(peer ? { remoteEndpoint: peer } : {}),
    tags: tagsOf(f),
  };
  // Without the rewrite, B3 gives a server the caller's span id: the two spans share it.
  if (!client && !rewrite) span.shared = true;
  return { ok: true, span };
}

function endpoint(name: string | undefined, ip: Uint8Array | undefined): ZipkinEndpoint | undefined {
  const out: ZipkinEndpoint = {};
  if (name) out.serviceName = name;
  // Istio's configs default an absent address to ip("0.0.0.0"): that says nothing about the peer.
  if (ip && ip.some((b) => b !== 0)) {
    const text = ipText(ip);
    if (isIP(text) === 4) out.ipv4 = text;
    else if (isIP(text) === 6) out.ipv6 = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Optional numeric and text fields, as tags named after the Istio attributes they usually come from. */
const FIELD_TAGS: ReadonlyArray<readonly [keyof TraceSpanFields, string]> = [
  ['requestSize', 'request.size'],
  ['requestTotalSize', 'request.total_size'],
  ['responseSize', 'response.size'],
  ['responseTotalSize', 'response.total_size'],
  ['apiProtocol', 'api.protocol'],
];

function tagsOf(f: TraceSpanFields): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.spanTags ?? {})) tags[k] = valueText(v);
  for (const [field, tag] of FIELD_TAGS) {
    const v = f[field];
    if (v !== undefined && v !== '' && !(tag in tags)) tags[tag] = String(v);
  }
  const code = f.httpStatusCode;
  if (code !== undefined && code > 0) {
    tags['http.status_code'] = String(code);
    // Zipkin's UI marks a span red when it has an "error" tag; its value is the message.
    if (code >= 500 && !('error' in tags)) tags.error = String(code);
  }
  return tags;
}

/** The client span's id under rewriteClientSpanId: the same for every reporter of one span id. */
export function derivedSpanId(spanId: string): string {
  const id = createHash('sha256').update(spanId).digest('hex').slice(0, 16);
  return ALL_ZERO.test(id) ? '0000000000000001' : id;
}

/**
 * Whether a trace is sampled at `probability`: the low 52 bits of its id as a fraction, so every
 * Mixer replica and every span of one trace decides the same way.
 */
export function traceSampled(traceId: string, probability: number): boolean {
  if (probability >= 1) return true;
  if (probability <= 0) return false;
  return parseInt(traceId.slice(-13), 16) / 2 ** 52 < probability;
}
