// The Envoy matchers one AuthorizationPolicy value becomes. Istio reads every value the same
// way — "*" presence, "abc*" prefix, "*abc" suffix, anything else exact — and each attribute has
// its own Envoy shape (a URI SAN, a JWT claim in `istio_authn` metadata, a header, …). The
// shapes follow istiod's authz builder, so a config dump reads like Istio's.
type Fields = Record<string, unknown>;

/** The filter state (Envoy: dynamic metadata) namespace the JWT filter fills for authorization. */
export const AUTHN_METADATA = 'istio_authn';

export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

const ANY = { safe_regex: { regex: '.+' } };

/** A value as Istio's exact/prefix/suffix/presence StringMatcher, with an optional prefix on exact/prefix forms. */
export function stringMatcher(v: string, opts: { ignoreCase?: boolean; prefix?: string; suffixRegexPrefix?: string } = {}): Fields {
  const ic = opts.ignoreCase ? { ignore_case: true } : {};
  const p = opts.prefix ?? '';
  if (v === '*') return { ...ANY };
  if (v.startsWith('*')) {
    // A suffix under a fixed prefix (spiffe://) needs a regex; otherwise a plain suffix.
    if (opts.suffixRegexPrefix !== undefined) return { safe_regex: { regex: `${escapeRegex(opts.suffixRegexPrefix)}.*${escapeRegex(v.slice(1))}` } };
    return { suffix: v.slice(1), ...ic };
  }
  if (v.endsWith('*')) return { prefix: `${p}${v.slice(0, -1)}`, ...ic };
  return { exact: `${p}${v}`, ...ic };
}

/** mTLS peer identity: `cluster.local/ns/x/sa/y` matched against the URI SAN `spiffe://…`. */
export function principalId(v: string): Fields {
  return { authenticated: { principal_name: stringMatcher(v, { prefix: 'spiffe://', suffixRegexPrefix: 'spiffe://' }) } };
}

/** A namespace is the `/ns/<ns>/` segment of the peer's SPIFFE ID. */
export function namespaceId(v: string): Fields {
  let ns: string;
  if (v === '*') ns = '.*';
  else if (v.startsWith('*')) ns = `.*${escapeRegex(v.slice(1))}`;
  else if (v.endsWith('*')) ns = `${escapeRegex(v.slice(0, -1))}.*`;
  else ns = escapeRegex(v);
  return { authenticated: { principal_name: { safe_regex: { regex: `.*/ns/${ns}/.*` } } } };
}

/** `serviceAccounts: ["sa"]` or `["ns/sa"]`: the exact SPIFFE ID in the mesh's trust domain. */
export function serviceAccountId(v: string, policyNamespace: string, trustDomain: string): Fields {
  const [ns, sa] = v.includes('/') ? (v.split('/') as [string, string]) : [policyNamespace, v];
  return { authenticated: { principal_name: { exact: `spiffe://${trustDomain}/ns/${ns}/sa/${sa}` } } };
}

/** A key of the JWT result, e.g. `request.auth.principal`, or a claim path under `request.auth.claims`. */
export function authnMetadata(path: string[], v: string, list = false): Fields {
  const m = stringMatcher(v);
  return {
    metadata: {
      filter: AUTHN_METADATA,
      path: path.map((key) => ({ key })),
      value: list ? { list_match: { one_of: { string_match: m } } } : { string_match: m },
    },
  };
}

/**
 * A request header. Envoy joins repeated headers with ",", so Istio's exact/prefix/suffix become
 * regexes that match one element of that list; "*" is presence.
 */
export function headerMatcher(name: string, v: string): Fields {
  if (v === '*') return { header: { name, present_match: true } };
  let e: string;
  if (v.startsWith('*')) e = `.*${escapeRegex(v.slice(1))}`;
  else if (v.endsWith('*')) e = `${escapeRegex(v.slice(0, -1))}.*`;
  else e = escapeRegex(v);
  return { header: { name, safe_regex_match: { regex: `^${e}$|^${e},.*|.*,${e},.*|.*,${e}$` } } };
}

/** A pseudo-header (`:method`, `:authority`) read as one value. */
export function pseudoHeader(name: string, v: string, ignoreCase = false): Fields {
  if (v === '*') return { header: { name, present_match: true } };
  return { header: { name, string_match: stringMatcher(v, { ignoreCase }) } };
}

/**
 * `/a/*` prefix, `*.png` suffix, `*` any non-empty path. Path templates become a regex (Envoy's
 * uri_template extension is not loaded here): `{*}` is one segment, `{**}` any number of them.
 */
export function pathPermission(v: string): Fields {
  if (v.includes('{*}') || v.includes('{**}')) {
    const regex = v.split('/').map((seg) => (seg === '{**}' ? '.*' : seg === '{*}' ? '[^/]+' : escapeRegex(seg))).join('/');
    return { url_path: { path: { safe_regex: { regex } } } };
  }
  return { url_path: { path: stringMatcher(v) } };
}

/** An IP or CIDR block as an Envoy CidrRange. */
export function cidr(v: string): Fields {
  const [address, len] = v.split('/') as [string, string | undefined];
  const max = address.includes(':') ? 128 : 32;
  return { address_prefix: address, prefix_len: { value: len === undefined ? max : Number(len) } };
}

export function any(list: Fields[], kind: 'rules' | 'ids'): Fields {
  return kind === 'rules' ? { or_rules: { rules: list } } : { or_ids: { ids: list } };
}

export function not(m: Fields, kind: 'rules' | 'ids'): Fields {
  return kind === 'rules' ? { not_rule: m } : { not_id: m };
}
