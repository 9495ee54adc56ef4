// XXH64 (seeded, 64-bit) written from the xxHash specification, over BigInt. Envoy hashes ring
// entries, Maglev permutations and request hash keys with it, so using the same function gives
// the same ring positions and request hashes as Envoy for the same inputs.
const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & MASK;

function round(acc: bigint, lane: bigint): bigint {
  return (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
}

function merge(acc: bigint, v: bigint): bigint {
  return (((acc ^ round(0n, v)) * P1) + P4) & MASK;
}

const encoder = new TextEncoder();

/** XXH64 of `input` (a string is hashed as its UTF-8 bytes). */
export function xxhash64(input: string | Uint8Array, seed = 0n): bigint {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const s = BigInt.asUintN(64, seed);
  let i = 0;
  let acc: bigint;
  if (len >= 32) {
    let v1 = (s + P1 + P2) & MASK;
    let v2 = (s + P2) & MASK;
    let v3 = s;
    let v4 = (s - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    acc = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    acc = merge(merge(merge(merge(acc, v1), v2), v3), v4);
  } else {
    acc = (s + P5) & MASK;
  }
  acc = (acc + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) {
    acc ^= round(0n, view.getBigUint64(i, true));
    acc = (rotl(acc, 27n) * P1 + P4) & MASK;
  }
  if (i + 4 <= len) {
    acc ^= (BigInt(view.getUint32(i, true)) * P1) & MASK;
    acc = (rotl(acc, 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < len; i++) {
    acc ^= (BigInt(bytes[i]) * P5) & MASK;
    acc = (rotl(acc, 11n) * P1) & MASK;
  }
  acc ^= acc >> 33n;
  acc = (acc * P2) & MASK;
  acc ^= acc >> 29n;
  acc = (acc * P3) & MASK;
  acc ^= acc >> 32n;
  return acc;
}

/**
 * Envoy's hash of several strings (a multi-valued header): each value's XXH64 seeds the next,
 * so the result depends on every value and their order.
 */
export function xxhash64Chain(values: readonly string[]): bigint {
  if (values.length === 0) return xxhash64('');
  let h = 0n;
  for (const v of values) h = xxhash64(v, h);
  return h;
}
