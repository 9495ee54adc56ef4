// Choosing the response's Content-Encoding from Accept-Encoding the way Envoy's compressor
// filters do together: every compressor filter on the stream registers its encoding (in chain
// order); the first one to look at the response picks the encoding with the highest q-value among
// those whose content types admit the response — `identity` and `*` count, q=0 rules an
// encoding out, a tie goes to a choose_first compressor, `*` means the first registered — and
// the choice is kept on the stream so every compressor agrees on it.
import type { HttpStream } from '../stream.js';

export interface RegisteredCompressor {
  encoding: string;
  /** Lower-case media types it compresses. */
  contentTypes: ReadonlySet<string>;
  chooseFirst: boolean;
}

const REGISTRY = 'envoy.filters.http.compressor.registry';
const DECISION = 'envoy.filters.http.compressor.encoding_decision';

export function registerCompressor(stream: HttpStream, c: RegisteredCompressor): void {
  const list = (stream.filterState.get(REGISTRY) as RegisteredCompressor[] | undefined) ?? [];
  list.push(c);
  stream.filterState.set(REGISTRY, list);
}

/** The media type of a Content-Type value, lower-cased, parameters dropped. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

interface Offer {
  coding: string;
  q: number;
}

function parseAcceptEncoding(value: string): Offer[] {
  const offers: Offer[] = [];
  for (const token of value.split(',')) {
    if (token.trim() === '') continue;
    const [name, ...params] = token.split(';');
    let q = 1;
    let bad = false;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const text = p.slice(eq + 1).trim();
      q = /^\d*(\.\d*)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
      if (Number.isNaN(q)) bad = true;
    }
    // An unparseable q-value drops the token, as Envoy does.
    if (!bad) offers.push({ coding: name!.trim().toLowerCase(), q });
  }
  return offers;
}

function choose(stream: HttpStream, acceptEncoding: string, contentType: string): string {
  const registered = (stream.filterState.get(REGISTRY) as RegisteredCompressor[] | undefined) ?? [];
  // Encodings whose compressor admits this content type, first registration wins a duplicate.
  const allowed = new Map<string, { order: number; chooseFirst: boolean }>();
  for (const c of registered) {
    if (contentType !== '' && c.contentTypes.size > 0 && !c.contentTypes.has(contentType)) continue;
    if (!allowed.has(c.encoding)) allowed.set(c.encoding, { order: allowed.size, chooseFirst: c.chooseFirst });
  }
  const offers = parseAcceptEncoding(acceptEncoding);
  for (const o of offers) if (o.q === 0) allowed.delete(o.coding);
  if (offers.length === 0 || allowed.size === 0) return 'identity';
  let choice: Offer = { coding: 'identity', q: 0 };
  for (const o of offers) {
    if (!allowed.has(o.coding) && o.coding !== 'identity' && o.coding !== '*') continue;
    if (o.q > choice.q || (o.q === choice.q && o.q > 0 && allowed.get(o.coding)?.chooseFirst)) choice = o;
  }
  if (choice.q === 0 || choice.coding === 'identity') return 'identity';
  if (choice.coding === '*') return [...allowed.entries()].sort((a, b) => a[1].order - b[1].order)[0]![0];
  return choice.coding;
}

/** The stream's chosen encoding, decided once on its first call. */
export function chosenEncoding(stream: HttpStream, acceptEncoding: string, contentType: string): string {
  let decision = stream.filterState.get(DECISION) as string | undefined;
  if (decision === undefined) {
    decision = choose(stream, acceptEncoding, contentType);
    stream.filterState.set(DECISION, decision);
  }
  return decision;
}
