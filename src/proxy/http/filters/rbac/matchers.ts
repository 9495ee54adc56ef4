// Envoy's RBAC Permission and Principal trees compiled once per listener update into predicates
// over RbacFacts. Anything this proxy cannot evaluate (CEL conditions, filter_state, extension
// matchers) rejects the config, naming the field: an authorization rule must never be dropped
// and silently match nothing (or everything).
import { BlockList, isIPv6 } from 'node:net';
import { headerMatches, stringMatches } from '../../../router/string-matcher.js';
import type { Fields } from '../../stream.js';
import { list, message, reject, uint } from '../config-fields.js';
import { checkHeaderMatcher, checkStringMatcher } from '../matcher-check.js';
import { plainIp, type RbacFacts } from './facts.js';

export type Predicate = (facts: RbacFacts) => boolean;

function cidr(value: unknown, field: string): (ip: string) => boolean {
  const c = message(value, field) ?? reject(field, 'is not a CidrRange');
  const address = typeof c.address_prefix === 'string' ? plainIp(c.address_prefix) : reject(`${field}.address_prefix`, 'is required');
  const v6 = isIPv6(address);
  const max = v6 ? 128 : 32;
  const len = c.prefix_len === undefined ? max : uint(message(c.prefix_len, `${field}.prefix_len`)?.value, `${field}.prefix_len.value`);
  if (len > max) reject(`${field}.prefix_len`, `${len} is longer than ${max}`);
  const block = new BlockList();
  try {
    block.addSubnet(address, len, v6 ? 'ipv6' : 'ipv4');
  } catch {
    reject(`${field}.address_prefix`, `"${address}" is not an IP address`);
  }
  return (ip) => {
    if (ip === '') return false;
    try {
      return block.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
    } catch {
      return false;
    }
  };
}

function stringMatcher(value: unknown, field: string): (s: string) => boolean {
  const m = checkStringMatcher(value, field);
  return (s) => stringMatches(m, s);
}

function headerMatcher(value: unknown, field: string): Predicate {
  const h = checkHeaderMatcher(value, field);
  const name = String(h.name).toLowerCase();
  return (f) => headerMatches(h, f.header(name));
}

function pathMatcher(value: unknown, field: string): Predicate {
  const p = message(value, field) ?? reject(field, 'is not a PathMatcher');
  const m = stringMatcher(p.path ?? reject(`${field}.path`, 'is required'), `${field}.path`);
  return (f) => m(f.urlPath);
}

/** Envoy's ValueMatcher over a filter-state value. */
function valueMatcher(value: unknown, field: string): (v: unknown) => boolean {
  const m = message(value, field) ?? reject(field, 'is not a ValueMatcher');
  if (m.string_match !== undefined) {
    const s = stringMatcher(m.string_match, `${field}.string_match`);
    // A list (audiences) matches when one of its strings does: our JWT facts keep lists as lists.
    return (v) => (typeof v === 'string' ? s(v) : Array.isArray(v) && v.some((x) => typeof x === 'string' && s(x)));
  }
  if (m.list_match !== undefined) {
    const l = message(m.list_match, `${field}.list_match`) ?? reject(`${field}.list_match`, 'is not a ListMatcher');
    const one = valueMatcher(l.one_of ?? reject(`${field}.list_match.one_of`, 'is required'), `${field}.list_match.one_of`);
    // Istio's authn filter stores every claim as a list; a single string claim is a list of one.
    return (v) => (Array.isArray(v) ? v.some(one) : v !== undefined && v !== null && one(v));
  }
  if (m.present_match !== undefined) return (v) => (v !== undefined && v !== null) === (m.present_match === true);
  if (m.bool_match !== undefined) return (v) => v === m.bool_match;
  if (m.null_match !== undefined) return (v) => v === null;
  if (m.double_match !== undefined) {
    const d = message(m.double_match, `${field}.double_match`) ?? {};
    if (d.exact !== undefined) return (v) => v === Number(d.exact);
    const range = message(d.range, `${field}.double_match.range`) ?? reject(`${field}.double_match`, 'needs exact or range');
    return (v) => typeof v === 'number' && v >= Number(range.start ?? -Infinity) && v < Number(range.end ?? Infinity);
  }
  return reject(field, 'needs one of string_match, list_match, present_match, bool_match, null_match, double_match');
}

/** MetadataMatcher: a path of keys into the filter's state (an object tree). */
function metadataMatcher(value: unknown, field: string): Predicate {
  const m = message(value, field) ?? reject(field, 'is not a MetadataMatcher');
  const filter = typeof m.filter === 'string' && m.filter !== '' ? m.filter : reject(`${field}.filter`, 'is required');
  const path = list(m.path, `${field}.path`).map((seg, i) => {
    const key = message(seg, `${field}.path[${i}]`)?.key;
    return typeof key === 'string' && key !== '' ? key : reject(`${field}.path[${i}].key`, 'is required');
  });
  if (path.length === 0) reject(`${field}.path`, 'needs at least one key');
  const v = valueMatcher(m.value ?? reject(`${field}.value`, 'is required'), `${field}.value`);
  const invert = m.invert === true;
  return (f) => {
    let node: unknown = f.metadata(filter);
    for (const key of path) {
      node = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
    }
    return v(node) !== invert;
  };
}

function set(value: unknown, field: string, key: 'rules' | 'ids', each: (v: unknown, field: string) => Predicate): Predicate[] {
  const s = message(value, field) ?? reject(field, 'is not a set');
  return list(s[key], `${field}.${key}`).map((r, i) => each(r, `${field}.${key}[${i}]`));
}

const UNSUPPORTED = ['matcher', 'uri_template', 'filter_state'] as const;

function oneOf(m: Fields, field: string, kinds: readonly string[]): string {
  const set = kinds.filter((k) => m[k] !== undefined && m[k] !== null && m[k] !== false);
  const unsupported = UNSUPPORTED.find((k) => m[k] !== undefined && m[k] !== null);
  if (unsupported) reject(`${field}.${unsupported}`, 'is not supported by this proxy');
  if (set.length !== 1) reject(field, `needs exactly one of ${kinds.join(', ')}`);
  return set[0] as string;
}

const PERMISSION_KINDS = ['and_rules', 'or_rules', 'any', 'header', 'url_path', 'destination_ip', 'destination_port', 'destination_port_range', 'metadata', 'not_rule', 'requested_server_name'];

export function permission(value: unknown, field: string): Predicate {
  const p = message(value, field) ?? reject(field, 'is not a Permission');
  const kind = oneOf(p, field, PERMISSION_KINDS);
  const at = `${field}.${kind}`;
  switch (kind) {
    case 'and_rules': { const all = set(p.and_rules, at, 'rules', permission); return (f) => all.every((m) => m(f)); }
    case 'or_rules': { const some = set(p.or_rules, at, 'rules', permission); return (f) => some.some((m) => m(f)); }
    case 'any': return () => true;
    case 'header': return headerMatcher(p.header, at);
    case 'url_path': return pathMatcher(p.url_path, at);
    case 'destination_ip': { const c = cidr(p.destination_ip, at); return (f) => c(f.destinationIp); }
    case 'destination_port': { const port = uint(p.destination_port, at); return (f) => f.destinationPort === port; }
    case 'destination_port_range': {
      const r = message(p.destination_port_range, at) ?? {};
      const start = Number(r.start ?? 0);
      const end = Number(r.end ?? 0);
      return (f) => f.destinationPort >= start && f.destinationPort < end;
    }
    case 'metadata': return metadataMatcher(p.metadata, at);
    case 'not_rule': { const inner = permission(p.not_rule, at); return (f) => !inner(f); }
    default: { const sni = stringMatcher(p.requested_server_name, at); return (f) => sni(f.sni); }
  }
}

const PRINCIPAL_KINDS = ['and_ids', 'or_ids', 'any', 'authenticated', 'source_ip', 'direct_remote_ip', 'remote_ip', 'header', 'url_path', 'metadata', 'not_id'];

export function principal(value: unknown, field: string): Predicate {
  const p = message(value, field) ?? reject(field, 'is not a Principal');
  const kind = oneOf(p, field, PRINCIPAL_KINDS);
  const at = `${field}.${kind}`;
  switch (kind) {
    case 'and_ids': { const all = set(p.and_ids, at, 'ids', principal); return (f) => all.every((m) => m(f)); }
    case 'or_ids': { const some = set(p.or_ids, at, 'ids', principal); return (f) => some.some((m) => m(f)); }
    case 'any': return () => true;
    case 'authenticated': {
      const a = message(p.authenticated, at) ?? {};
      if (a.principal_name === undefined) return (f) => f.authenticated;
      const name = stringMatcher(a.principal_name, `${at}.principal_name`);
      return (f) => f.authenticated && f.principalNames.some(name);
    }
    // source_ip is the deprecated spelling of direct_remote_ip.
    case 'source_ip': case 'direct_remote_ip': { const c = cidr(p[kind], at); return (f) => c(f.directRemoteIp); }
    case 'remote_ip': { const c = cidr(p.remote_ip, at); return (f) => c(f.remoteIp); }
    case 'header': return headerMatcher(p.header, at);
    case 'url_path': return pathMatcher(p.url_path, at);
    case 'metadata': return metadataMatcher(p.metadata, at);
    default: { const inner = principal(p.not_id, at); return (f) => !inner(f); }
  }
}
