// HTTPMatchRequest → Envoy RouteMatch. Conditions Envoy matches on (uri, authority, method,
// scheme, headers, query) become RouteMatch fields; conditions about the client (port,
// sourceLabels, gateways, sourceNamespace) decide here whether the route exists at all for
// this proxy, as Istio does.
import type { HTTPMatchRequest, StringMatch } from '../../api/networking/virtual-service.js';
import { JWT_CLAIM_PREFIX } from '../../api/networking/virtual-service-match.js';
import { labelsMatch } from '../../registry/workloads.js';
import { bool } from './proto.js';

/** Where the route is being built: which gateway (`mesh` for sidecars) and which port. */
export interface MatchSite {
  gateway: string;
  /** The port the route table serves (listener port, or the proxyless target's port). */
  port?: number;
  proxyLabels: Readonly<Record<string, string>>;
  proxyNamespace: string;
}

/** The conditions about the client that HTTP and TCP matches share. */
export type ClientConditions = Pick<HTTPMatchRequest, 'port' | 'sourceLabels' | 'sourceNamespace' | 'gateways'>;

/** Whether a match applies to this site at all (Istio drops routes whose client conditions fail). */
export function matchAppliesTo(m: ClientConditions, site: MatchSite, vsGateways: readonly string[], resolveGateway: (g: string) => string): boolean {
  if (m.port !== undefined && site.port !== undefined && m.port !== site.port) return false;
  if (m.sourceLabels && !labelsMatch(m.sourceLabels, site.proxyLabels)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== site.proxyNamespace) return false;
  const gateways = m.gateways?.length ? m.gateways.map(resolveGateway) : vsGateways;
  return gateways.includes(site.gateway);
}

export function safeRegex(regex: string): Record<string, unknown> {
  return { google_re2: {}, regex };
}

/** A StringMatch as Envoy's StringMatcher. */
export function stringMatcher(m: StringMatch, ignoreCase = false): Record<string, unknown> {
  const base = ignoreCase ? { ignore_case: true } : {};
  if (m.exact !== undefined) return { ...base, exact: m.exact };
  if (m.prefix !== undefined) return { ...base, prefix: m.prefix };
  return { safe_regex: safeRegex(m.regex ?? '') };
}

function isEmpty(m: StringMatch): boolean {
  return m.exact === undefined && m.prefix === undefined && m.regex === undefined;
}

function headerMatcher(name: string, m: StringMatch, invert: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: name.toLowerCase() };
  // `{}` means "present"; in withoutHeaders Istio also spells presence `regex: "*"`.
  if (isEmpty(m) || (invert && m.regex === '*')) out.present_match = true;
  else out.string_match = stringMatcher(m);
  if (invert) {
    out.invert_match = true;
    // Without this an absent header fails an inverted value match; Istio means "not equal".
    if (out.string_match) out.treat_missing_header_as_empty = true;
  }
  return out;
}

export function routeMatch(m: HTTPMatchRequest | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const uri = m?.uri;
  if (!uri || isEmpty(uri)) out.prefix = '/';
  else if (uri.exact !== undefined) out.path = uri.exact;
  else if (uri.prefix !== undefined) out.prefix = uri.prefix;
  else out.safe_regex = safeRegex(uri.regex ?? '');
  if (m?.ignoreUriCase) out.case_sensitive = bool(false);
  const headers: Record<string, unknown>[] = [];
  if (m?.authority) headers.push(headerMatcher(':authority', m.authority, false));
  if (m?.method) headers.push(headerMatcher(':method', m.method, false));
  if (m?.scheme) headers.push(headerMatcher(':scheme', m.scheme, false));
  for (const [name, sm] of Object.entries(m?.headers ?? {})) {
    // JWT claims are matched on dynamic metadata by the authn filter; not translated yet.
    if (name.startsWith(JWT_CLAIM_PREFIX)) continue;
    headers.push(headerMatcher(name, sm, false));
  }
  for (const [name, sm] of Object.entries(m?.withoutHeaders ?? {})) {
    if (name.startsWith(JWT_CLAIM_PREFIX)) continue;
    headers.push(headerMatcher(name, sm, true));
  }
  if (headers.length) out.headers = headers;
  const query = Object.entries(m?.queryParams ?? {}).map(([name, sm]) =>
    // Istio: an exact match on "" means "the parameter is present".
    (sm.exact === '' ? { name, present_match: true } : { name, string_match: stringMatcher(sm) }));
  if (query.length) out.query_parameters = query;
  return out;
}
