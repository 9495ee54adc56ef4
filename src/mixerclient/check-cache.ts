// The Check cache, keyed the way Istio's client keys it: Mixer says which attributes (and map
// keys) a decision read, so the answer holds for every later request that agrees on exactly
// those. The cache remembers each distinct referenced set it has seen; a lookup builds one key
// per set from the request's values and takes the first live entry. Requests that differ only in
// attributes no rule read (a path no rule looks at) therefore hit.
import type { Status } from '../mixer/adapters/status.js';
import type { ReferencedAttribute } from '../mixer/attributes/referenced.js';
import { Duration, type AttributeValue } from '../mixer/attributes/types.js';
import type { CheckResponse } from '../mixer/runtime/dispatch.js';

export type Bag = Readonly<Record<string, AttributeValue>>;

interface Entry {
  status: Status;
  expiresAt: number;
  usesLeft: number;
}

export interface CheckCacheOptions {
  /** Entries kept at most (oldest dropped first). */
  maxEntries?: number;
  now?: () => number;
}

const ABSENT = '\u0000-';

/** One attribute value as a stable string: maps by sorted keys, dates and durations by ms. */
function valueKey(v: AttributeValue): string {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number') return `n${v}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (v instanceof Date) return `t${v.getTime()}`;
  if (v instanceof Duration) return `d${v.ms}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('base64')}`;
  const m = v as Readonly<Record<string, string>>;
  return `m${JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]))}`;
}

/** The part of a key one referenced attribute contributes: its value, or that it is absent. */
function partKey(bag: Bag, r: ReferencedAttribute): string {
  const v = bag[r.name];
  if (r.mapKey === undefined) {
    if (v === undefined) return ABSENT;
    // ABSENCE was recorded, so only presence matters; EXACT needs the value itself.
    return r.condition === 'ABSENCE' ? '\u0000+' : valueKey(v);
  }
  const inner = v !== undefined && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Duration) && !(v instanceof Uint8Array)
    ? (v as Readonly<Record<string, string>>)[r.mapKey] : undefined;
  if (inner === undefined) return ABSENT;
  return r.condition === 'ABSENCE' ? '\u0000+' : `s${inner}`;
}

const refId = (r: ReferencedAttribute) => `${r.name}\u0001${r.mapKey ?? ''}`;

export class CheckCache {
  /** Each distinct referenced set, by its signature. */
  readonly #sets = new Map<string, ReferencedAttribute[]>();
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: CheckCacheOptions = {}) {
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A cached decision for this bag, using up one of its uses; undefined on a miss. */
  lookup(bag: Bag): Status | undefined {
    const now = this.#now();
    for (const [sig, refs] of this.#sets) {
      const key = this.#key(sig, refs, bag);
      const e = this.#entries.get(key);
      if (!e) continue;
      if (e.expiresAt <= now || e.usesLeft <= 0) {
        this.#entries.delete(key);
        continue;
      }
      e.usesLeft--;
      return e.status;
    }
    return undefined;
  }

  /** Remembers Mixer's answer for every bag that agrees on the attributes it referenced. */
  insert(bag: Bag, r: CheckResponse): void {
    if (r.validDurationMs <= 0 || r.validUseCount <= 0) return;
    const refs = [...r.referencedAttributes].sort((a, b) => (refId(a) < refId(b) ? -1 : refId(a) > refId(b) ? 1 : 0));
    const sig = refs.map((x) => `${refId(x)}\u0001${x.condition}`).join('\u0002');
    if (!this.#sets.has(sig)) this.#sets.set(sig, refs);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    // The answer itself used one of its uses.
    this.#entries.set(this.#key(sig, refs, bag), { status: r.status, expiresAt: this.#now() + r.validDurationMs, usesLeft: r.validUseCount - 1 });
  }

  /**
   * The bag's key under every referenced-attribute set seen so far: two bags that share one of
   * these will get the same answer, so a Check already on its way for one serves the other.
   */
  keysOf(bag: Bag): string[] {
    return [...this.#sets].map(([sig, refs]) => this.#key(sig, refs, bag));
  }

  clear(): void {
    this.#entries.clear();
    this.#sets.clear();
  }

  #key(sig: string, refs: readonly ReferencedAttribute[], bag: Bag): string {
    let key = sig;
    for (const r of refs) key += `\u0003${partKey(bag, r)}`;
    return key;
  }
}
