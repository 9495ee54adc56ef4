// Header hygiene between codecs: hop-by-hop headers stay on their own connection (RFC 9110
// §7.6.1), and HTTP/2 forbids connection-specific ones outright.
import type { Headers } from './stream.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings', 'proxy-authorization',
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/**
 * Copies headers from a node message, dropping pseudo-headers, hop-by-hop headers and any header
 * the `Connection` header names. `te: trailers` survives (gRPC needs it end to end over HTTP/2).
 */
export function endToEndHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const out: Headers = {};
  const connection = raw.connection;
  const named = connection === undefined ? undefined : new Set(String(connection).toLowerCase().split(',').map((s) => s.trim()));
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */) continue;
    if (HOP_BY_HOP.has(name)) {
      if (name === 'te' && String(value).toLowerCase() === 'trailers') out.te = 'trailers';
      continue;
    }
    if (named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

export function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
