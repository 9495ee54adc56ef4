// RouteAction.hash_policy → the 64-bit request hash that RING_HASH and MAGLEV clusters balance
// on, computed as Envoy does:
// - header: XXH64 of the header's value (several values: sorted, then chained); regex_rewrite
//   applies first. `:authority` and `host` stand in for each other (HTTP/1 vs HTTP/2).
// - cookie: XXH64 of the cookie's value. When the request has none and the policy has a ttl,
//   a value is made up from the downstream connection and hashed, and the router must send
//   it back: `setCookies` holds the Set-Cookie values to add to the response.
// - connection_properties.source_ip: XXH64 of the client's IP.
// - query_parameter: XXH64 of the first value of the parameter, not URL-decoded.
// - filter_state: XXH64 of the string stored under the key (Envoy asks the object to hash
//   itself; ours are strings).
// Policies that produce a hash are combined as hash = rotl1(hash) XOR new; a `terminal` policy
// that leaves a hash stops the list. No hash at all → the balancer picks at random.
import { re2 } from '../../api/fields/re2.js';
import { asFields, durationMs, list, type Fields } from '../xds-client/fields.js';
import { xxhash64, xxhash64Chain } from './lb/xxhash64.js';


export interface HashRequest {
  /** Request headers, names lower-case. */
  headers: Record<string, string | string[] | undefined>;
  /** The :path, query included. */
  path: string;
  sourceIp: string;
  /**
   * Identifies the downstream connection (Envoy uses remote + local address) so concurrent
   * requests on one connection get the same generated cookie. Defaults to sourceIp.
   */
  connectionKey?: string;
  filterState?: Readonly<Record<string, string>>;
}

export interface HashResult {
  hash?: bigint;
  /** Set-Cookie header values the response must carry (generated hash cookies). */
  setCookies: string[];
}

type Method = { terminal: boolean; evaluate(req: HashRequest, setCookies: string[]): bigint | undefined };

const MASK = (1n << 64n) - 1n;

export class HashPolicy {
  constructor(private readonly methods: readonly Method[]) {}

  get empty(): boolean {
    return this.methods.length === 0;
  }

  compute(req: HashRequest): HashResult {
    const setCookies: string[] = [];
    let hash: bigint | undefined;
    for (const m of this.methods) {
      const h = m.evaluate(req, setCookies);
      if (h !== undefined) hash = hash === undefined ? h : (((hash << 1n) | (hash >> 63n)) & MASK) ^ h;
      if (m.terminal && hash !== undefined) break;
    }
    return hash === undefined ? { setCookies } : { hash, setCookies };
  }
}

/** Compiles RouteAction.hash_policy (a list, possibly absent). Throws on a bad regex. */
export function compileHashPolicy(policies: unknown): HashPolicy {
  const methods: Method[] = [];
  for (const p of list(policies)) {
    const terminal = p.terminal === true;
    const header = asFields(p.header);
    const cookie = asFields(p.cookie);
    const conn = asFields(p.connection_properties);
    const query = asFields(p.query_parameter);
    const state = asFields(p.filter_state);
    if (header) methods.push({ terminal, evaluate: headerMethod(header) });
    else if (cookie) methods.push({ terminal, evaluate: cookieMethod(cookie) });
    else if (conn) {
      if (conn.source_ip === true) methods.push({ terminal, evaluate: (req) => (req.sourceIp ? xxhash64(req.sourceIp) : undefined) });
    } else if (query) {
      const name = String(query.name ?? '');
      methods.push({ terminal, evaluate: (req) => { const v = queryParam(req.path, name); return v === undefined ? undefined : xxhash64(v); } });
    } else if (state) {
      const key = String(state.key ?? '');
      methods.push({ terminal, evaluate: (req) => { const v = req.filterState?.[key]; return v === undefined ? undefined : xxhash64(v); } });
    }
  }
  return new HashPolicy(methods);
}

function headerMethod(h: Fields): Method['evaluate'] {
  const name = String(h.header_name ?? '').toLowerCase();
  const rewrite = asFields(h.regex_rewrite);
  let re: RegExp | undefined;
  let substitution = '';
  if (rewrite) {
    const pattern = String(asFields(rewrite.pattern)?.regex ?? '');
    // regex_rewrite uses RE2 semantics, as Envoy's does.
    const RE2 = re2();
    re = new RE2(pattern, 'gu');
    substitution = re2Substitution(String(rewrite.substitution ?? ''));
  }
  return (req) => {
    let values = headerValues(req.headers, name);
    if (values.length === 0) return undefined;
    if (re) values = values.map((v) => v.replace(re as RegExp, substitution));
    return xxhash64Chain([...values].sort());
  };
}

function headerValues(headers: HashRequest['headers'], name: string): string[] {
  let v = headers[name];
  if (v === undefined && name === ':authority') v = headers.host;
  if (v === undefined && name === 'host') v = headers[':authority'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** RE2's rewrite string (\0-\9 groups, \\ backslash) in String.replace's syntax. */
export function re2Substitution(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const next = s[i + 1];
    if (c === '$') out += '$$';
    else if (c === '\\' && next !== undefined && next >= '0' && next <= '9') {
      out += next === '0' ? '$&' : `$${next}`;
      i++;
    } else if (c === '\\' && next === '\\') {
      out += '\\';
      i++;
    } else out += c;
  }
  return out;
}

function cookieMethod(c: Fields): Method['evaluate'] {
  const name = String(c.name ?? '');
  const path = typeof c.path === 'string' ? c.path : '';
  const ttlSeconds = c.ttl === undefined ? undefined : Math.trunc((durationMs(c.ttl) ?? 0) / 1000);
  const attributes = list(c.attributes).map((a) => (a.value ? `; ${String(a.name)}=${String(a.value)}` : `; ${String(a.name)}`)).join('');
  return (req, setCookies) => {
    const existing = cookieValue(req.headers.cookie, name);
    if (existing) return xxhash64(existing);
    if (ttlSeconds === undefined) return undefined;
    const value = xxhash64(req.connectionKey ?? req.sourceIp).toString(16).padStart(16, '0');
    let cookie = `${name}="${value}"`;
    if (ttlSeconds !== 0) cookie += `; Max-Age=${ttlSeconds}`;
    if (path) cookie += `; Path=${path}`;
    setCookies.push(`${cookie}${attributes}; HttpOnly`);
    return xxhash64(value);
  };
}

/** The first value of cookie `name` across Cookie headers ('' when absent), quotes removed. */
export function cookieValue(header: string | string[] | undefined, name: string): string {
  for (const line of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const s = part.trimStart();
      const eq = s.indexOf('=');
      if (eq < 0 || s.slice(0, eq) !== name) continue;
      const v = s.slice(eq + 1);
      return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
  }
  return '';
}

/** The first value of query parameter `name` in a path, as written (not URL-decoded). */
export function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const hash = path.indexOf('#', q);
  for (const pair of path.slice(q + 1, hash < 0 ? undefined : hash).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return undefined;
}
