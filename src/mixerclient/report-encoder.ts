// One Report batch in Istio's compressed form, encoded as each bag arrives (at stream end) rather
// than when the batch is sent: what waits for the flush is bytes, not one object graph per
// request — which is what the garbage collector spent its time promoting. Names and strings are
// word indices (the global dictionary, else the batch's own default_words), and each bag carries
// only what changed since the bag before it (DELTA_ENCODING), with the names it dropped listed in
// `deleted`. The wire shape is ReportRequest/CompressedAttributes in proto/isthmus/mixer/v1/mixer.proto.
import { GLOBAL_WORDS, GLOBAL_WORD_INDEX } from '../mixer/attributes/global-words.js';
import { Duration, type AttributeValue } from '../mixer/attributes/types.js';
import type { Bag } from './check-cache.js';
import { int64Size, ProtoWriter, varintSize, WIRE_LEN, zigzag } from './proto-writer.js';

/** Where a source writes its attributes, one put per attribute. */
export interface AttributeSink {
  put(name: string, value: AttributeValue | undefined): void;
}

/** A bag that writes itself (the proxy filter's request and response attributes) instead of being an object. */
export interface AttributeSource {
  writeAttributes(sink: AttributeSink): void;
}

export function isAttributeSource(b: unknown): b is AttributeSource {
  return typeof (b as Partial<AttributeSource>).writeAttributes === 'function';
}

/** A plain bag from either form (for a Check on the wire, tests). */
export function plainBag(b: Bag | AttributeSource): Bag {
  if (!isAttributeSource(b)) return b;
  const out: Record<string, AttributeValue> = {};
  b.writeAttributes({ put: (name, value) => { if (value !== undefined) out[name] = value; } });
  return out;
}

// CompressedAttributes field numbers.
const F_STRINGS = 2;
const F_INT64S = 3;
const F_DOUBLES = 4;
const F_BOOLS = 5;
const F_TIMESTAMPS = 6;
const F_DURATIONS = 7;
const F_BYTES = 8;
const F_STRING_MAPS = 9;
const F_DELETED = 10;
// ReportRequest field numbers.
const R_DEFAULT_WORDS = 2;
const R_GLOBAL_WORD_COUNT = 3;
const R_COMPRESSED = 5;
// Map entry tags: key = 1 (varint), value = 2 (varint, fixed64 or length-delimited).
const KEY_TAG = 0x08;
const VALUE_VARINT_TAG = 0x10;
const VALUE_FIXED64_TAG = 0x11;
const VALUE_LEN_TAG = 0x12;

/** The last value sent for one attribute name in this batch, for the delta. */
interface Slot {
  /** The name's word index, zigzagged. */
  key: number;
  prev: AttributeValue | undefined;
  /** The bag number that last put it. */
  seenIn: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** Whether the server's copy of the previous value already equals `b` (same type and value). */
function same(a: AttributeValue, b: AttributeValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Duration) return b instanceof Duration && a.ms === b.ms;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && sameBytes(a, b);
  if (b instanceof Date || b instanceof Duration || b instanceof Uint8Array) return false;
  return sameMap(a as Readonly<Record<string, string>>, b as Readonly<Record<string, string>>);
}

export class CompressedReportEncoder implements AttributeSink {
  /** The bags so far, each a field-5 CompressedAttributes. */
  readonly #out = new ProtoWriter(16 * 1024);
  /** The bag being written (its length prefix is only known at its end). */
  readonly #bag = new ProtoWriter(1024);
  readonly #words = new Map<string, number>();
  readonly #wordList: string[] = [];
  readonly #slots = new Map<string, Slot>();
  readonly #slotList: Slot[] = [];
  /** String-map entries as zigzagged word pairs, reused. */
  readonly #pairs: number[] = [];
  #bagNo = 0;

  /** Bags in the batch. */
  get count(): number {
    return this.#bagNo;
  }

  /** Appends one bag: what changed since the last one, and what it dropped. */
  add(bag: Bag | AttributeSource): void {
    this.#bagNo++;
    this.#bag.reset();
    if (isAttributeSource(bag)) bag.writeAttributes(this);
    else for (const name in bag) this.put(name, bag[name]);
    for (const s of this.#slotList) {
      if (s.prev === undefined || s.seenIn === this.#bagNo) continue;
      this.#bag.tag(F_DELETED, 0);
      this.#bag.varint(s.key);
      s.prev = undefined;
    }
    this.#out.message(R_COMPRESSED, this.#bag);
  }

  put(name: string, value: AttributeValue | undefined): void {
    if (value === undefined) return;
    let slot = this.#slots.get(name);
    if (!slot) {
      slot = { key: zigzag(this.#word(name)), prev: undefined, seenIn: 0 };
      this.#slots.set(name, slot);
      this.#slotList.push(slot);
    }
    slot.seenIn = this.#bagNo;
    if (slot.prev !== undefined && same(slot.prev, value)) return;
    slot.prev = value;
    this.#write(slot.key, value);
  }

  /** The whole ReportRequest. The encoder is done after this. */
  finish(): Buffer {
    const head = new ProtoWriter(64 + this.#wordList.length * 24);
    for (const w of this.#wordList) {
      head.tag(R_DEFAULT_WORDS, WIRE_LEN);
      head.string(w);
    }
    head.tag(R_GLOBAL_WORD_COUNT, 0);
    head.varint(GLOBAL_WORDS.length);
    return Buffer.concat([head.view(), this.#out.view()]);
  }

  #word(s: string): number {
    const g = GLOBAL_WORD_INDEX.get(s);
    if (g !== undefined) return g;
    let w = this.#words.get(s);
    if (w === undefined) {
      this.#wordList.push(s);
      w = -this.#wordList.length;
      this.#words.set(s, w);
    }
    return w;
  }

  /** One map entry {key, value} in the field for the value's type. */
  #write(key: number, v: AttributeValue): void {
    const b = this.#bag;
    const keySize = 1 + varintSize(key);
    if (typeof v === 'string') {
      const word = zigzag(this.#word(v));
      this.#entryHead(F_STRINGS, keySize + 1 + varintSize(word), key);
      b.tag(2, 0);
      b.varint(word);
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) {
        this.#entryHead(F_INT64S, keySize + 1 + int64Size(v), key);
        b.tag(2, 0);
        b.int64(v);
      } else {
        this.#entryHead(F_DOUBLES, keySize + 9, key);
        b.varint(VALUE_FIXED64_TAG);
        b.double(v);
      }
    } else if (typeof v === 'boolean') {
      this.#entryHead(F_BOOLS, keySize + 2, key);
      b.varint(VALUE_VARINT_TAG);
      b.varint(v ? 1 : 0);
    } else if (v instanceof Date) {
      this.#time(F_TIMESTAMPS, key, keySize, v.getTime());
    } else if (v instanceof Duration) {
      this.#time(F_DURATIONS, key, keySize, v.ms);
    } else if (v instanceof Uint8Array) {
      this.#entryHead(F_BYTES, keySize + 1 + varintSize(v.length) + v.length, key);
      b.varint(VALUE_LEN_TAG);
      b.bytes(v);
    } else {
      // A string map: CompressedStringMap{entries = 1: map<sint32, sint32>}.
      const pairs = this.#pairs;
      pairs.length = 0;
      let inner = 0;
      const m = v as Readonly<Record<string, string>>;
      for (const k in m) {
        const zk = zigzag(this.#word(k));
        const zv = zigzag(this.#word(m[k]!));
        pairs.push(zk, zv);
        const entry = 2 + varintSize(zk) + varintSize(zv);
        inner += 1 + varintSize(entry) + entry;
      }
      this.#entryHead(F_STRING_MAPS, keySize + 1 + varintSize(inner) + inner, key);
      b.varint(VALUE_LEN_TAG);
      b.varint(inner);
      for (let i = 0; i < pairs.length; i += 2) {
        const zk = pairs[i]!;
        const zv = pairs[i + 1]!;
        b.tag(1, WIRE_LEN);
        b.varint(2 + varintSize(zk) + varintSize(zv));
        b.varint(KEY_TAG);
        b.varint(zk);
        b.varint(VALUE_VARINT_TAG);
        b.varint(zv);
      }
    }
  }

  /** A Timestamp or Duration {seconds = 1, nanos = 2}, split as the plain encoding splits it. */
  #time(field: number, key: number, keySize: number, ms: number): void {
    const seconds = Math.floor(ms / 1000);
    const nanos = Math.round((ms - seconds * 1000) * 1e6);
    const inner = 2 + int64Size(seconds) + int64Size(nanos);
    this.#entryHead(field, keySize + 1 + varintSize(inner) + inner, key);
    const b = this.#bag;
    b.varint(VALUE_LEN_TAG);
    b.varint(inner);
    b.tag(1, 0);
    b.int64(seconds);
    b.tag(2, 0);
    b.int64(nanos);
  }

  /** The map entry's field tag and length, then its key. */
  #entryHead(field: number, length: number, key: number): void {
    const b = this.#bag;
    b.tag(field, WIRE_LEN);
    b.varint(length);
    b.varint(KEY_TAG);
    b.varint(key);
  }
}
