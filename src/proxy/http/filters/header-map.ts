// Small operations over the proxy's header records (lower-case names, repeated values as
// arrays), with Envoy's meanings: a repeated header reads as its values joined by commas, "set"
// replaces every value, "add" keeps the old ones.
import type { Headers, RequestHead } from '../stream.js';

export function getHeader(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

export function hasHeader(headers: Headers, name: string): boolean {
  return headers[name.toLowerCase()] !== undefined;
}

export function setHeader(headers: Headers, name: string, value: string): void {
  headers[name.toLowerCase()] = value;
}

export function addHeader(headers: Headers, name: string, value: string): void {
  const key = name.toLowerCase();
  const old = headers[key];
  if (old === undefined) headers[key] = value;
  else headers[key] = [...(Array.isArray(old) ? old : [old]), value];
}

export function removeHeader(headers: Headers, name: string): void {
  delete headers[name.toLowerCase()];
}

/** A request header by name, pseudo-headers (`:method`, `:path`, …) included. */
export function requestHeader(req: RequestHead, name: string): string | undefined {
  switch (name.toLowerCase()) {
    case ':method': return req.method;
    case ':path': return req.path;
    case ':authority': return req.authority;
    case ':scheme': return req.scheme;
    default: return getHeader(req.headers, name);
  }
}

/** Whether a comma-separated header value lists `token` (case-insensitively). */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  const t = token.toLowerCase();
  return value.split(',').some((part) => part.trim().toLowerCase() === t);
}
