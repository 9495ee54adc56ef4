// Where a provider looks for its token: headers (after a value prefix such as `Bearer `), query
// parameters and cookies, in the order configured. The first location holding a token wins.
import type { RequestHead } from '../../stream.js';
import { getHeader, removeHeader } from '../header-map.js';
import type { JwtLocation } from './config.js';

export interface ExtractedToken {
  token: string;
  location: JwtLocation;
}

/** Characters a compact JWS may contain (base64url and the two dots). */
const TOKEN_END = /[^A-Za-z0-9\-_.=]/;

function fromHeader(req: RequestHead, loc: JwtLocation): string | undefined {
  const value = getHeader(req.headers, loc.name);
  if (value === undefined) return undefined;
  if (loc.prefix === '') return value.trim() || undefined;
  // Envoy looks for the prefix anywhere in the value, case-sensitively except for the scheme's
  // usual spellings; matching it case-insensitively at the start covers `bearer` and `Bearer`.
  const at = value.toLowerCase().indexOf(loc.prefix.toLowerCase());
  if (at < 0) return undefined;
  const rest = value.slice(at + loc.prefix.length).trimStart();
  const end = rest.search(TOKEN_END);
  const token = end < 0 ? rest : rest.slice(0, end);
  return token === '' ? undefined : token;
}

function fromParam(req: RequestHead, loc: JwtLocation): string | undefined {
  const q = req.path.indexOf('?');
  if (q < 0) return undefined;
  const value = new URLSearchParams(req.path.slice(q + 1)).get(loc.name);
  return value === null || value === '' ? undefined : value;
}

function fromCookie(req: RequestHead, loc: JwtLocation): string | undefined {
  const raw = req.headers.cookie;
  const all = Array.isArray(raw) ? raw.join('; ') : raw;
  if (all === undefined) return undefined;
  for (const pair of all.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== loc.name) continue;
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (value !== '') return value;
  }
  return undefined;
}

export function extractToken(req: RequestHead, locations: readonly JwtLocation[]): ExtractedToken | undefined {
  for (const location of locations) {
    const token = location.kind === 'header' ? fromHeader(req, location) : location.kind === 'param' ? fromParam(req, location) : fromCookie(req, location);
    if (token !== undefined) return { token, location };
  }
  return undefined;
}

/**
 * Takes a verified token off the request when the provider does not forward it. As in Envoy,
 * only a header is removed: query parameters and cookies stay (rewriting them would change the
 * request the application signed or cached on).
 */
export function removeToken(req: RequestHead, t: ExtractedToken): void {
  if (t.location.kind === 'header') removeHeader(req.headers, t.location.name);
}
