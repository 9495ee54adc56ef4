// Constructors and comparisons for the typed values expressions produce: IP addresses, email
// addresses, DNS names, timestamps, and equality that looks inside bytes, dates and maps.
import { isIP } from 'node:net';
import { Duration, type AttributeValue } from '../attributes/types.js';

/** `ip("10.0.0.1")` → 4 bytes, IPv6 → 16 bytes; undefined when not an address. */
export function ipBytes(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let s = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    tail = (v4[1] as string).split('.').map(Number);
    s = s.slice(0, -(v4[1] as string).length) + '0:0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const a = head ? head.split(':') : [];
  const b = rest ? rest.split(':') : [];
  const groups = rest === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill('0'), ...b];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

/** Prints IP bytes back in the usual text form (IPv6 without shortening). */
export function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const groups: string[] = [];
  for (let i = 0; i < b.length; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return groups.join(':');
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

export function isEmail(s: string): boolean {
  return EMAIL.test(s) && isDnsName(s.slice(s.indexOf('@') + 1));
}

export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l));
}

/** RFC 3339 timestamps only (what Istio's `timestamp()` takes), not every Date.parse format. */
export function parseTimestamp(s: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Istio's `match(s, pattern)`: a glob with `*` only as the whole pattern's first or last character. */
export function globMatch(s: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return s.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return s.startsWith(pattern.slice(0, -1));
  return s === pattern;
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Duration && b instanceof Duration) return a.ms === b.ms;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && (a as Record<string, string>)[k] === (b as Record<string, string>)[k]);
  }
  return false;
}

/** A number for ordering comparisons (`<`, `>=` …) on INT64, DOUBLE, DURATION and TIMESTAMP. */
export function ordinal(v: AttributeValue): number {
  if (v instanceof Date) return v.getTime();
  if (v instanceof Duration) return v.ms;
  return v as number;
}

/** Text for a value where a string is needed (metric labels, log fields). */
export function valueText(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Duration) return `${v.ms}ms`;
  if (v instanceof Uint8Array) return v.length === 4 || v.length === 16 ? ipText(v) : Buffer.from(v).toString('base64');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
