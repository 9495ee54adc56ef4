// SotW requests repeat their whole subscription: every ACK of an EDS response names every
// cluster again, so a thousand sidecars ACKing one push send a million names, almost all of them
// lists the server has seen before. Decoding them into fresh strings each time is most of the
// cost of taking those ACKs. Here the `resource_names` fields are cut out of the request bytes
// undecoded, and a list with the same bytes as one seen before is the same frozen array —
// which also lets a stream see "same subscription as last time" by identity.
import { createHash } from 'node:crypto';

const RESOURCE_NAMES = 3;
const EMPTY: readonly string[] = Object.freeze([]);

export interface SplitRequest {
  /** The request without its resource_names fields. */
  rest: Uint8Array;
  /** The resource_names fields as they were on the wire (tags included). */
  names: Uint8Array;
}

/**
 * Splits the resource_names fields from the rest of a DiscoveryRequest, or undefined when they
 * are not one contiguous run (legal protobuf, but not what encoders write) or the bytes do not
 * parse: the caller then decodes it all, which reports real errors. Walks the fields by hand —
 * every ACK passes through here, and a protobufjs Reader costs a call per varint.
 */
export function splitResourceNames(bytes: Uint8Array): SplitRequest | undefined {
  const len = bytes.length;
  let pos = 0;
  let start = -1;
  let end = -1;
  while (pos < len) {
    const fieldStart = pos;
    let tag = 0;
    for (let shift = 0, b = 0x80; b & 0x80; shift += 7) {
      if (pos >= len || shift > 28) return undefined;
      b = bytes[pos++] as number;
      tag += (b & 0x7f) * 2 ** shift;
    }
    switch (tag & 7) {
      case 0: // varint
        while (pos < len && (bytes[pos++] as number) & 0x80);
        break;
      case 1: // 64-bit
        pos += 8;
        break;
      case 2: { // length-delimited
        let size = 0;
        for (let shift = 0, b = 0x80; b & 0x80; shift += 7) {
          if (pos >= len || shift > 28) return undefined;
          b = bytes[pos++] as number;
          size += (b & 0x7f) * 2 ** shift;
        }
        pos += size;
        break;
      }
      case 5: // 32-bit
        pos += 4;
        break;
      default: // groups: no discovery request field is one
        return undefined;
    }
    if (pos > len) return undefined;
    if (Math.floor(tag / 8) !== RESOURCE_NAMES) continue;
    if (start === -1) start = fieldStart;
    else if (fieldStart !== end) return undefined;
    end = pos;
  }
  if (start === -1) return { rest: bytes, names: new Uint8Array(0) };
  const rest = new Uint8Array(len - (end - start));
  rest.set(bytes.subarray(0, start), 0);
  rest.set(bytes.subarray(end), start);
  return { rest, names: bytes.subarray(start, end) };
}

interface Entry {
  bytes: Buffer;
  names: readonly string[];
}

/** Lists by the hash of their bytes. Bounded by bytes held; starts over when past the bound. */
const lists = new Map<string, Entry>();
const MAX_BYTES = 32 * 1024 * 1024;
let heldBytes = 0;

/**
 * The few lists seen last, checked first: during a push most ACKs repeat one of them, and
 * comparing bytes is several times cheaper than hashing them.
 */
const recent: Entry[] = [];
const RECENT = 8;

/** The names a resource_names block holds, as a frozen array shared by every equal block. */
export function sharedNames(block: Uint8Array, decode: (block: Uint8Array) => string[]): readonly string[] {
  if (block.length === 0) return EMPTY;
  for (const e of recent) if (e.bytes.length === block.length && e.bytes.equals(block)) return e.names;
  const key = createHash('sha1').update(block).digest('base64');
  let entry = lists.get(key);
  if (!entry || !entry.bytes.equals(block)) {
    entry = { bytes: Buffer.from(block), names: Object.freeze(decode(block)) };
    if (heldBytes + block.length > MAX_BYTES) {
      lists.clear();
      recent.length = 0;
      heldBytes = 0;
    }
    lists.set(key, entry);
    heldBytes += block.length;
  }
  recent.unshift(entry);
  if (recent.length > RECENT) recent.pop();
  return entry.names;
}
