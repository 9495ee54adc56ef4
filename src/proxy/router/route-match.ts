// Route selection over a RouteConfiguration in the control plane's object form (snake_case
// Envoy fields): pick the virtual host by Envoy's domain rules, then the first route whose
// match holds, and return its action. The proxy's router and the simulation tests share it.
import { headerMatches, regexMatches, stringMatches } from './string-matcher.js';

type Fields = Record<string, unknown>;

export interface RouteRequest {
  /** Host / :authority as the client sent it (may include a port). */
  authority: string;
  /** Path, optionally with a query string. */
  path: string;
  method: string;
  /** Header names in any case; repeated values as arrays. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Query parameters; parsed from `path` when absent. */
  query?: Readonly<Record<string, string>>;
  scheme?: string;
}

export interface WeightedCluster {
  name: string;
  weight: number;
}

export type RouteAction =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'weighted_clusters'; clusters: WeightedCluster[] }
  | { kind: 'redirect'; redirect: Fields }
  | { kind: 'direct_response'; status: number; body?: string }
  | { kind: 'non_forwarding' };

export interface RouteMatchResult {
  virtualHost: Fields;
  route: Fields;
  action: RouteAction;
}

interface DomainIndex {
  exact: Map<string, Fields>;
  /** `*.foo.com` / `foo.*` patterns, longest first within each kind. */
  suffixes: { suffix: string; vhost: Fields }[];
  prefixes: { prefix: string; vhost: Fields }[];
  any: Fields | undefined;
}

/** Built once per route configuration object (RDS replaces the object on change). */
const indexes = new WeakMap<Fields, DomainIndex>();

function domainIndex(config: Fields): DomainIndex {
  let index = indexes.get(config);
  if (index) return index;
  index = { exact: new Map(), suffixes: [], prefixes: [], any: undefined };
  for (const vhost of (config.virtual_hosts as Fields[] | undefined) ?? []) {
    for (const raw of (vhost.domains as string[] | undefined) ?? []) {
      const d = raw.toLowerCase();
      // The first virtual host to claim a domain keeps it (Envoy rejects duplicates outright).
      if (d === '*') index.any ??= vhost;
      else if (d.startsWith('*')) index.suffixes.push({ suffix: d.slice(1), vhost });
      else if (d.endsWith('*')) index.prefixes.push({ prefix: d.slice(0, -1), vhost });
      else if (!index.exact.has(d)) index.exact.set(d, vhost);
    }
  }
  // Stable sort: equal lengths keep config order, as the linear scan did.
  index.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
  index.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  indexes.set(config, index);
  return index;
}

/**
 * Envoy's order: an exact domain, then the longest suffix wildcard (`*.foo.com`), then the
 * longest prefix wildcard (`foo.*`), then `*`. A wildcard must match at least one character.
 */
export function selectVirtualHost(config: Fields, authority: string): Fields | undefined {
  const host = authority.toLowerCase();
  const index = domainIndex(config);
  const exact = index.exact.get(host);
  if (exact) return exact;
  for (const s of index.suffixes) if (host.length > s.suffix.length && host.endsWith(s.suffix)) return s.vhost;
  for (const p of index.prefixes) if (host.length > p.prefix.length && host.startsWith(p.prefix)) return p.vhost;
  return index.any;
}

function splitPath(path: string): { path: string; query: Record<string, string> } {
  const q = path.indexOf('?');
  if (q < 0) return { path, query: {} };
  return { path: path.slice(0, q), query: Object.fromEntries(new URLSearchParams(path.slice(q + 1))) };
}

function headerValue(req: RouteRequest, name: string): string | undefined {
  switch (name) {
    case ':authority': return req.authority;
    case ':method': return req.method;
    case ':path': return req.path;
    case ':scheme': return req.scheme ?? 'http';
  }
  // The proxy's request heads are lower-case already; other callers may use any case.
  const direct = req.headers?.[name];
  if (direct !== undefined) return typeof direct === 'string' ? direct : direct.join(',');
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    if (k.toLowerCase() !== name || v === undefined) continue;
    return typeof v === 'string' ? v : v.join(',');
  }
  if (name === 'host') return req.authority;
  return undefined;
}

function pathMatches(match: Fields, path: string): boolean {
  const caseSensitive = (match.case_sensitive as { value?: boolean } | undefined)?.value !== false;
  const p = caseSensitive ? path : path.toLowerCase();
  const norm = (s: unknown) => (caseSensitive ? String(s) : String(s).toLowerCase());
  if (match.prefix !== undefined) return p.startsWith(norm(match.prefix));
  if (match.path !== undefined) return p === norm(match.path);
  const re = match.safe_regex as { regex?: string } | undefined;
  if (re?.regex !== undefined) return regexMatches(re.regex, path);
  if (match.path_separated_prefix !== undefined) {
    const pre = norm(match.path_separated_prefix);
    return p === pre || p.startsWith(`${pre}/`);
  }
  return false;
}

export function routeMatches(match: Fields, req: RouteRequest): boolean {
  const { path, query: parsed } = splitPath(req.path);
  if (!pathMatches(match, path)) return false;
  for (const h of (match.headers as Fields[] | undefined) ?? []) {
    if (!headerMatches(h, headerValue(req, String(h.name).toLowerCase()))) return false;
  }
  const query = req.query ?? parsed;
  for (const q of (match.query_parameters as Fields[] | undefined) ?? []) {
    const value = query[String(q.name)];
    if (q.present_match === true) {
      if (value === undefined) return false;
    } else if (value === undefined || !stringMatches((q.string_match as Fields | undefined) ?? {}, value)) {
      return false;
    }
  }
  return true;
}

export function routeActionOf(route: Fields): RouteAction {
  if (route.redirect) return { kind: 'redirect', redirect: route.redirect as Fields };
  if (route.direct_response) {
    const d = route.direct_response as { status: number; body?: { inline_string?: string; inline_bytes?: string } };
    const body = d.body?.inline_string ?? (d.body?.inline_bytes !== undefined ? Buffer.from(d.body.inline_bytes, 'base64').toString() : undefined);
    return body === undefined ? { kind: 'direct_response', status: d.status } : { kind: 'direct_response', status: d.status, body };
  }
  const action = route.route as Fields | undefined;
  if (!action) return { kind: 'non_forwarding' };
  if (action.weighted_clusters) {
    const list = ((action.weighted_clusters as Fields).clusters as Fields[]).map((c) => ({
      name: String(c.name),
      weight: Number((c.weight as { value?: number } | undefined)?.value ?? 0),
    }));
    return { kind: 'weighted_clusters', clusters: list };
  }
  return { kind: 'cluster', cluster: String(action.cluster) };
}

/** The virtual host, first matching route and its action; undefined when nothing matches (404). */
export function matchRoute(config: Fields, req: RouteRequest): RouteMatchResult | undefined {
  const virtualHost = selectVirtualHost(config, req.authority);
  if (!virtualHost) return undefined;
  for (const route of (virtualHost.routes as Fields[] | undefined) ?? []) {
    if (routeMatches((route.match as Fields | undefined) ?? {}, req)) return { virtualHost, route, action: routeActionOf(route) };
  }
  return undefined;
}

/** Picks a weighted cluster with `random` in [0, 1) (inject it: tests choose the draw). */
export function pickWeightedCluster(clusters: readonly WeightedCluster[], random: number): string | undefined {
  const total = clusters.reduce((s, c) => s + c.weight, 0);
  if (total <= 0) return undefined;
  let point = random * total;
  for (const c of clusters) {
    if (point < c.weight) return c.name;
    point -= c.weight;
  }
  return clusters[clusters.length - 1]?.name;
}
