// Trace context on the wire: W3C Trace Context (`traceparent`, `tracestate`) and Zipkin's B3,
// both as separate `x-b3-*` headers and as the single `b3` header. Applications in a mesh
// forward whichever their library speaks, so the proxy reads all of them and writes all of them.
// Ids are kept as lowercase hex: trace ids 32 digits (a 64-bit B3 id is left-padded with zeros,
// as the W3C spec says to), span ids 16.
import { randomFillSync } from 'node:crypto';
import type { Headers } from '../http/stream.js';

export interface IncomingTraceContext {
  /** Absent when the caller sent only a sampling decision (B3 `x-b3-sampled: 0` alone). */
  traceId?: string;
  /** The caller's span: the parent of ours. */
  spanId?: string;
  /** The caller's decision; undefined when it left the decision to us. */
  sampled?: boolean;
  /** B3 debug (`x-b3-flags: 1`, `b3: …-d`): always sample. */
  debug?: boolean;
  /** W3C tracestate, passed along untouched. */
  tracestate?: string;
  /** The trace id arrived as a 64-bit B3 id; write it back to B3 the same way. */
  shortTraceId?: boolean;
  format: 'w3c' | 'b3' | 'b3-single';
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `traceparent: VERSION-TRACEID-PARENTID-FLAGS`. Version 00 must be exactly that; a later version
 * may append fields, which are ignored; `ff` is invalid. Uppercase hex and all-zero ids are
 * invalid. Returns undefined for anything invalid (the caller then starts a new trace).
 */
export function parseTraceparent(value: string): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const v = value.trim();
  const parts = v.split('-');
  if (parts.length < 4) return undefined;
  const [version, traceId, spanId, flags] = parts as [string, string, string, string];
  if (!HEX2.test(version) || version === 'ff') return undefined;
  if (version === '00' && (parts.length !== 4 || v.length !== 55)) return undefined;
  if (!HEX32.test(traceId) || traceId === ZERO32) return undefined;
  if (!HEX16.test(spanId) || spanId === ZERO16) return undefined;
  if (!HEX2.test(flags)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** A B3 trace id (16 or 32 hex, either case) as 32 lowercase hex; undefined when invalid or zero. */
function b3TraceId(raw: string): { id: string; short: boolean } | undefined {
  const id = raw.trim().toLowerCase();
  if (HEX16.test(id)) return id === ZERO16 ? undefined : { id: ZERO16 + id, short: true };
  if (HEX32.test(id)) return id === ZERO32 ? undefined : { id, short: false };
  return undefined;
}

function b3SpanId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const id = raw.trim().toLowerCase();
  return HEX16.test(id) && id !== ZERO16 ? id : undefined;
}

function b3Sampled(raw: string | undefined): boolean | undefined {
  switch (raw?.trim().toLowerCase()) {
    case '1':
    case 'true':
    case 'd':
      return true;
    case '0':
    case 'false':
      return false;
    default:
      return undefined;
  }
}

/**
 * The single `b3` header: `TRACEID-SPANID[-SAMPLED[-PARENTSPANID]]`, or only `SAMPLED`
 * (`0`, `1`, `d`). Undefined when malformed.
 */
export function parseB3Single(value: string): IncomingTraceContext | undefined {
  const parts = value.trim().split('-');
  if (parts.length === 1) {
    const sampled = b3Sampled(parts[0]);
    if (sampled === undefined) return undefined;
    return { sampled, debug: parts[0] === 'd', format: 'b3-single' };
  }
  if (parts.length > 4) return undefined;
  const trace = b3TraceId(parts[0]!);
  const spanId = b3SpanId(parts[1]);
  if (!trace || !spanId) return undefined;
  const ctx: IncomingTraceContext = { traceId: trace.id, spanId, shortTraceId: trace.short, format: 'b3-single' };
  if (parts.length >= 3) {
    const sampled = b3Sampled(parts[2]);
    if (sampled === undefined) return undefined;
    ctx.sampled = sampled;
    if (parts[2] === 'd') ctx.debug = true;
  }
  if (parts.length === 4 && !b3SpanId(parts[3])) return undefined;
  return ctx;
}

export function formatB3Single(traceId: string, spanId: string, sampled: boolean, parentSpanId?: string, debug = false): string {
  const flag = debug ? 'd' : sampled ? '1' : '0';
  return parentSpanId ? `${traceId}-${spanId}-${flag}-${parentSpanId}` : `${traceId}-${spanId}-${flag}`;
}

/** The `x-b3-*` headers. Undefined when none is usable. */
export function parseB3Multi(headers: Headers): IncomingTraceContext | undefined {
  const rawTrace = first(headers['x-b3-traceid']);
  const debug = first(headers['x-b3-flags'])?.trim() === '1';
  let sampled = b3Sampled(first(headers['x-b3-sampled']));
  if (debug) sampled = true;
  const trace = rawTrace !== undefined ? b3TraceId(rawTrace) : undefined;
  const spanId = b3SpanId(first(headers['x-b3-spanid']));
  if (trace && spanId) {
    const ctx: IncomingTraceContext = { traceId: trace.id, spanId, shortTraceId: trace.short, format: 'b3' };
    if (sampled !== undefined) ctx.sampled = sampled;
    if (debug) ctx.debug = true;
    return ctx;
  }
  // A decision without (valid) ids still binds: "do not trace this" must be honoured.
  if (sampled !== undefined) return debug ? { sampled, debug, format: 'b3' } : { sampled, format: 'b3' };
  return undefined;
}

/** A request's trace context: `traceparent` first, then `b3`, then `x-b3-*`. */
export function extractTraceContext(headers: Headers): IncomingTraceContext | undefined {
  const traceparent = first(headers.traceparent);
  if (traceparent !== undefined) {
    const parsed = parseTraceparent(traceparent);
    if (parsed) {
      const ctx: IncomingTraceContext = { traceId: parsed.traceId, spanId: parsed.spanId, sampled: parsed.sampled, format: 'w3c' };
      const state = headers.tracestate;
      const joined = Array.isArray(state) ? state.join(',') : state;
      if (joined && joined.length <= 8192) ctx.tracestate = joined;
      return ctx;
    }
  }
  const single = first(headers.b3);
  if (single !== undefined) {
    const parsed = parseB3Single(single);
    if (parsed) return parsed;
  }
  return parseB3Multi(headers);
}

export interface OutgoingTraceContext {
  traceId: string;
  /** The span the next hop is a child of (the proxy's own). */
  spanId: string;
  /** The proxy span's parent, for x-b3-parentspanid. */
  parentSpanId?: string;
  sampled: boolean;
  debug?: boolean;
  tracestate?: string;
  shortTraceId?: boolean;
  /** Also write the single `b3` header. */
  b3Single?: boolean;
}

/** Writes W3C and B3 (multi, and single when asked) headers, replacing whatever was there. */
export function injectTraceContext(headers: Headers, ctx: OutgoingTraceContext): void {
  headers.traceparent = formatTraceparent(ctx.traceId, ctx.spanId, ctx.sampled);
  if (ctx.tracestate) headers.tracestate = ctx.tracestate;
  else delete headers.tracestate;
  const b3Trace = ctx.shortTraceId && ctx.traceId.startsWith(ZERO16) ? ctx.traceId.slice(16) : ctx.traceId;
  headers['x-b3-traceid'] = b3Trace;
  headers['x-b3-spanid'] = ctx.spanId;
  if (ctx.parentSpanId) headers['x-b3-parentspanid'] = ctx.parentSpanId;
  else delete headers['x-b3-parentspanid'];
  headers['x-b3-sampled'] = ctx.sampled ? '1' : '0';
  if (ctx.debug) headers['x-b3-flags'] = '1';
  else delete headers['x-b3-flags'];
  if (ctx.b3Single) headers.b3 = formatB3Single(b3Trace, ctx.spanId, ctx.sampled, ctx.parentSpanId, ctx.debug);
  else delete headers.b3;
}

// Ids come from a pool of random bytes refilled in bulk: one getrandom call per 256 ids
// instead of one per id.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolAt + bytes > pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const hex = pool.toString('hex', poolAt, poolAt + bytes);
    poolAt += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}
