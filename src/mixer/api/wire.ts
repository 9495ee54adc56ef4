// Conversions between the wire messages (as @grpc/proto-loader decodes them: camelCase fields,
// int64 as Number, oneof names set) and Mixer's attribute bags and responses. The client library
// encodes with `encodeAttributes` and decodes with `decodeCheckResponse`/`decodeReleaseResponse`;
// the server does the reverse.
import type { AttributeBag } from '../attributes/bag.js';
import { MapBag } from '../attributes/bag.js';
import type { ReferencedAttribute } from '../attributes/referenced.js';
import { Duration, type AttributeValue, type StringMap } from '../attributes/types.js';
import type { Vocabulary } from '../attributes/vocabulary.js';
import type { CheckResponse, QuotaRequest, ReleaseResponse } from '../runtime/dispatch.js';

export interface WireDuration { seconds?: number | string; nanos?: number }
export interface WireValue {
  stringValue?: string; int64Value?: number | string; doubleValue?: number; boolValue?: boolean; bytesValue?: Uint8Array;
  timestampValue?: WireDuration; durationValue?: WireDuration; stringMapValue?: { entries?: Record<string, string> };
  value?: string;
}
export interface WireAttributes { attributes?: Record<string, WireValue> }
export interface WireReferenced { name: string; mapKey?: string; condition?: 'ABSENCE' | 'EXACT' | 'CONDITION_UNSPECIFIED' | number }
export interface WireStatus { code?: number; message?: string }
export interface WireCheckRequest { attributes?: WireAttributes; quotas?: Record<string, { amount?: number | string; bestEffort?: boolean }>; deduplicationId?: string }
export interface WireCheckResponse {
  precondition?: { status?: WireStatus; validDuration?: WireDuration; validUseCount?: number; referencedAttributes?: WireReferenced[] };
  quotas?: Record<string, { validDuration?: WireDuration; grantedAmount?: number | string; status?: WireStatus; referencedAttributes?: WireReferenced[]; allocation?: boolean }>;
}
export interface WireReleaseRequest { attributes?: WireAttributes; quotas?: Record<string, number | string>; deduplicationId?: string }
export interface WireReleaseResponse { quotas?: Record<string, { releasedAmount?: number | string; status?: WireStatus }> }

const msToWire = (ms: number): WireDuration => {
  const whole = Math.floor(ms / 1000);
  return { seconds: whole, nanos: Math.round((ms - whole * 1000) * 1e6) };
};
const wireToMs = (d: WireDuration | undefined): number => (d ? Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : 0);

/** A bag as a wire message: each value in the oneof field for its JavaScript type. */
export function encodeAttributes(values: Readonly<Record<string, AttributeValue>>): WireAttributes {
  const out: Record<string, WireValue> = {};
  for (const [name, v] of Object.entries(values)) {
    if (typeof v === 'string') out[name] = { stringValue: v };
    else if (typeof v === 'boolean') out[name] = { boolValue: v };
    else if (typeof v === 'number') out[name] = Number.isInteger(v) ? { int64Value: v } : { doubleValue: v };
    else if (v instanceof Date) out[name] = { timestampValue: msToWire(v.getTime()) };
    else if (v instanceof Duration) out[name] = { durationValue: msToWire(v.ms) };
    else if (v instanceof Uint8Array) out[name] = { bytesValue: v };
    else out[name] = { stringMapValue: { entries: { ...(v as StringMap) } } };
  }
  return { attributes: out };
}

/**
 * A wire bag as an AttributeBag. A number is INT64 or DOUBLE by its oneof field; where the
 * vocabulary says DOUBLE, an int64 value is accepted as a double (a client may not know).
 */
export function decodeAttributes(wire: WireAttributes | undefined, _vocabulary?: Vocabulary): AttributeBag {
  const values: [string, AttributeValue][] = [];
  for (const [name, w] of Object.entries(wire?.attributes ?? {})) {
    const v = decodeValue(w);
    if (v !== undefined) values.push([name, v]);
  }
  return new MapBag(values);
}

function decodeValue(w: WireValue): AttributeValue | undefined {
  switch (w.value) {
    case 'stringValue': return w.stringValue ?? '';
    case 'int64Value': return Number(w.int64Value ?? 0);
    case 'doubleValue': return w.doubleValue ?? 0;
    case 'boolValue': return w.boolValue ?? false;
    case 'bytesValue': return new Uint8Array(w.bytesValue ?? []);
    case 'timestampValue': return new Date(wireToMs(w.timestampValue));
    case 'durationValue': return new Duration(wireToMs(w.durationValue));
    case 'stringMapValue': return Object.freeze({ ...(w.stringMapValue?.entries ?? {}) });
    default: return undefined;
  }
}

export function decodeQuotas(wire: WireCheckRequest['quotas']): Record<string, QuotaRequest> {
  const out: Record<string, QuotaRequest> = {};
  for (const [name, q] of Object.entries(wire ?? {})) out[name] = { amount: Number(q.amount ?? 0), bestEffort: q.bestEffort ?? false };
  return out;
}

const refToWire = (r: ReferencedAttribute): WireReferenced => ({ name: r.name, mapKey: r.mapKey ?? '', condition: r.condition });

export function encodeCheckResponse(r: CheckResponse): WireCheckResponse {
  const quotas: WireCheckResponse['quotas'] = {};
  for (const [name, q] of Object.entries(r.quotas)) {
    quotas[name] = { validDuration: msToWire(q.validDurationMs), grantedAmount: q.grantedAmount, status: q.status, referencedAttributes: q.referencedAttributes.map(refToWire), allocation: q.allocation === true };
  }
  return {
    precondition: { status: r.status, validDuration: msToWire(r.validDurationMs), validUseCount: r.validUseCount, referencedAttributes: r.referencedAttributes.map(refToWire) },
    quotas,
  };
}

const CONDITIONS: Record<string, 'EXACT' | 'ABSENCE'> = { EXACT: 'EXACT', ABSENCE: 'ABSENCE', 1: 'ABSENCE', 2: 'EXACT' };

/** The client side: a wire response back into the same shape the runtime produces. */
export function decodeCheckResponse(w: WireCheckResponse): CheckResponse {
  const refs = (list: WireReferenced[] | undefined): ReferencedAttribute[] => (list ?? []).map((r) => ({
    name: r.name, ...(r.mapKey ? { mapKey: r.mapKey } : {}), condition: CONDITIONS[String(r.condition)] ?? 'EXACT',
  }));
  const p = w.precondition ?? {};
  const quotas: CheckResponse['quotas'] = {};
  for (const [name, q] of Object.entries(w.quotas ?? {})) {
    quotas[name] = { status: { code: q.status?.code ?? 0, message: q.status?.message ?? '' }, grantedAmount: Number(q.grantedAmount ?? 0), validDurationMs: wireToMs(q.validDuration), referencedAttributes: refs(q.referencedAttributes) };
    if (q.allocation) quotas[name].allocation = true;
  }
  return { status: { code: p.status?.code ?? 0, message: p.status?.message ?? '' }, validDurationMs: wireToMs(p.validDuration), validUseCount: p.validUseCount ?? 0, referencedAttributes: refs(p.referencedAttributes), quotas };
}

/** Release amounts as sent; a negative or non-numeric amount is the client's mistake, named. */
export function decodeReleaseQuotas(wire: WireReleaseRequest['quotas']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(wire ?? {})) {
    const n = Number(a ?? 0);
    if (!Number.isFinite(n) || n < 0) throw new Error(`quotas["${name}"]: ${String(a)} is not an amount to release (use a whole number ≥ 0)`);
    out[name] = n;
  }
  return out;
}

export function encodeReleaseResponse(r: ReleaseResponse): WireReleaseResponse {
  const quotas: NonNullable<WireReleaseResponse['quotas']> = {};
  for (const [name, q] of Object.entries(r.quotas)) quotas[name] = { releasedAmount: q.releasedAmount, status: q.status };
  return { quotas };
}

export function decodeReleaseResponse(w: WireReleaseResponse): ReleaseResponse {
  const quotas: ReleaseResponse['quotas'] = {};
  for (const [name, q] of Object.entries(w.quotas ?? {})) {
    quotas[name] = { status: { code: q.status?.code ?? 0, message: q.status?.message ?? '' }, releasedAmount: Number(q.releasedAmount ?? 0) };
  }
  return { quotas };
}
