// Compressed Report bags (ReportRequest.compressed_attributes, Istio's CompressedAttributes) back
// into attribute bags: word indices resolved against the global dictionary and the request's
// default_words, and — under DELTA_ENCODING — each bag applied on top of the one before it.
// Anything that does not resolve is an error naming the field, which the server answers with
// INVALID_ARGUMENT: a bad Report never reaches the adapters half-read.
import { GLOBAL_WORDS } from '../attributes/global-words.js';
import { MapBag, type AttributeBag } from '../attributes/bag.js';
import { Duration, type AttributeValue } from '../attributes/types.js';
import type { WireDuration } from './wire.js';

type IndexMap<V> = Record<string, V>;

export interface WireCompressedAttributes {
  strings?: IndexMap<number>;
  int64s?: IndexMap<number | string>;
  doubles?: IndexMap<number>;
  bools?: IndexMap<boolean>;
  timestamps?: IndexMap<WireDuration>;
  durations?: IndexMap<WireDuration>;
  bytes?: IndexMap<Uint8Array>;
  stringMaps?: IndexMap<{ entries?: IndexMap<number> }>;
  deleted?: number[];
}

export interface WireReportRequest {
  attributes?: unknown[];
  repeatedAttributesSemantics?: number | string;
  defaultWords?: string[];
  globalWordCount?: number;
  compressedAttributes?: WireCompressedAttributes[];
}

export class ReportDecodeError extends Error {}

const toMs = (d: WireDuration | undefined): number => (d ? Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : 0);

export function isIndependent(semantics: WireReportRequest['repeatedAttributesSemantics']): boolean {
  return semantics === 1 || semantics === 'INDEPENDENT_ENCODING';
}

/** The compressed bags of one ReportRequest, in order. */
export function decodeCompressedReport(req: WireReportRequest): AttributeBag[] {
  const bags = req.compressedAttributes ?? [];
  if (bags.length === 0) return [];
  const globalCount = req.globalWordCount ?? 0;
  if (globalCount > GLOBAL_WORDS.length) {
    throw new ReportDecodeError(`global_word_count ${globalCount} is more than this Mixer's ${GLOBAL_WORDS.length} global words; upgrade Mixer or send fewer`);
  }
  const own = req.defaultWords ?? [];
  const word = (raw: string | number, where: string): string => {
    const i = Number(raw);
    const w = i >= 0 ? (i < globalCount ? GLOBAL_WORDS[i] : undefined) : own[-i - 1];
    if (w === undefined || !Number.isInteger(i)) {
      throw new ReportDecodeError(`${where}: word index ${String(raw)} is outside the dictionaries (${globalCount} global words, ${own.length} default_words)`);
    }
    return w;
  };
  const independent = isIndependent(req.repeatedAttributesSemantics);
  const state = new Map<string, AttributeValue>();
  const out: AttributeBag[] = [];
  bags.forEach((c, n) => {
    const at = `compressed_attributes[${n}]`;
    if (independent) state.clear();
    for (const i of c.deleted ?? []) state.delete(word(i, `${at}.deleted`));
    const each = <V>(field: string, m: IndexMap<V> | undefined, value: (v: V, where: string) => AttributeValue): void => {
      if (!m) return;
      for (const k in m) {
        const where = `${at}.${field}[${k}]`;
        state.set(word(k, where), value(m[k]!, where));
      }
    };
    each('strings', c.strings, (v, where) => word(v, where));
    each('int64s', c.int64s, (v) => Number(v));
    each('doubles', c.doubles, (v) => v);
    each('bools', c.bools, (v) => v);
    each('timestamps', c.timestamps, (v) => new Date(toMs(v)));
    each('durations', c.durations, (v) => new Duration(toMs(v)));
    each('bytes', c.bytes, (v) => new Uint8Array(v));
    each('string_maps', c.stringMaps, (v, where) => {
      const m: Record<string, string> = {};
      for (const k in v.entries ?? {}) m[word(k, `${where}.entries`)] = word(v.entries![k]!, `${where}.entries`);
      return Object.freeze(m);
    });
    out.push(new MapBag(state));
  });
  return out;
}
