// One AuthorizationPolicy rule → one Envoy RBAC Policy, as istiod builds it: each `to`
// operation is a permission (permissions are ORed), each `from` source a principal (ORed); the
// fields inside one operation or source, and every `when` condition, are ANDed into it. A list
// of values is an OR, a `not*` list the negation of that OR. A rule without `to` (or `from`)
// matches any operation (source).
import type { Rule } from '../../api/security/authorization-policy.js';
import {
  any, authnMetadata, cidr, headerMatcher, namespaceId, not, pathPermission, principalId, pseudoHeader, serviceAccountId, stringMatcher,
} from './authz-matchers.js';

type Fields = Record<string, unknown>;
type Kind = 'rules' | 'ids';

export interface RuleContext {
  /** The policy's namespace, for `serviceAccounts: ["sa"]`. */
  namespace: string;
  trustDomain: string;
}

type Source = NonNullable<Rule['from']>[number]['source'];
type Operation = NonNullable<Rule['to']>[number]['operation'];
type Condition = NonNullable<Rule['when']>[number];

/** `values` ORed, then `notValues` ORed and negated; nothing when both are empty. */
function field(out: Fields[], kind: Kind, values: readonly string[] | undefined, notValues: readonly string[] | undefined, one: (v: string) => Fields): void {
  if (values?.length) out.push(any(values.map(one), kind));
  if (notValues?.length) out.push(not(any(notValues.map(one), kind), kind));
}

function sourceIds(s: Source, ctx: RuleContext): Fields[] {
  const ids: Fields[] = [];
  field(ids, 'ids', s.principals, s.notPrincipals, principalId);
  field(ids, 'ids', s.requestPrincipals, s.notRequestPrincipals, (v) => authnMetadata(['request.auth.principal'], v));
  field(ids, 'ids', s.namespaces, s.notNamespaces, namespaceId);
  field(ids, 'ids', s.serviceAccounts, s.notServiceAccounts, (v) => serviceAccountId(v, ctx.namespace, ctx.trustDomain));
  field(ids, 'ids', s.ipBlocks, s.notIpBlocks, (v) => ({ direct_remote_ip: cidr(v) }));
  field(ids, 'ids', s.remoteIpBlocks, s.notRemoteIpBlocks, (v) => ({ remote_ip: cidr(v) }));
  return ids;
}

function operationRules(o: Operation): Fields[] {
  const rules: Fields[] = [];
  // Hosts are matched against :authority case-insensitively, including any port: as in Istio,
  // `example.com` does not match `example.com:8080` (write `example.com:*` for that).
  field(rules, 'rules', o.hosts, o.notHosts, (v) => pseudoHeader(':authority', v, true));
  field(rules, 'rules', o.ports, o.notPorts, (v) => ({ destination_port: Number(v) }));
  field(rules, 'rules', o.methods, o.notMethods, (v) => pseudoHeader(':method', v));
  field(rules, 'rules', o.paths, o.notPaths, pathPermission);
  return rules;
}

/** `[a][b]` after a prefix → ['a', 'b']. */
export function bracketKeys(rest: string): string[] {
  return [...rest.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] as string);
}

/** Where a `when` key goes (source side: principals, destination side: permissions) and its matcher. */
export function conditionMatcher(key: string, ctx: RuleContext): { side: Kind; one: (v: string) => Fields } | undefined {
  const SIMPLE: Record<string, { side: Kind; one: (v: string) => Fields }> = {
    'source.ip': { side: 'ids', one: (v) => ({ direct_remote_ip: cidr(v) }) },
    'remote.ip': { side: 'ids', one: (v) => ({ remote_ip: cidr(v) }) },
    'source.namespace': { side: 'ids', one: namespaceId },
    'source.principal': { side: 'ids', one: principalId },
    'source.serviceAccount': { side: 'ids', one: (v) => serviceAccountId(v, ctx.namespace, ctx.trustDomain) },
    'request.auth.principal': { side: 'ids', one: (v) => authnMetadata(['request.auth.principal'], v) },
    'request.auth.audiences': { side: 'ids', one: (v) => authnMetadata(['request.auth.audiences'], v) },
    'request.auth.presenter': { side: 'ids', one: (v) => authnMetadata(['request.auth.presenter'], v) },
    'destination.ip': { side: 'rules', one: (v) => ({ destination_ip: cidr(v) }) },
    'destination.port': { side: 'rules', one: (v) => ({ destination_port: Number(v) }) },
    'connection.sni': { side: 'rules', one: (v) => ({ requested_server_name: stringMatcher(v) }) },
  };
  if (SIMPLE[key]) return SIMPLE[key];
  if (key.startsWith('request.headers[')) {
    const [name] = bracketKeys(key.slice('request.headers'.length));
    return name ? { side: 'ids', one: (v) => headerMatcher(name, v) } : undefined;
  }
  if (key.startsWith('request.auth.claims[')) {
    const path = bracketKeys(key.slice('request.auth.claims'.length));
    return path.length ? { side: 'ids', one: (v) => authnMetadata(['request.auth.claims', ...path], v, true) } : undefined;
  }
  if (key.startsWith('experimental.envoy.filters.')) {
    const open = key.indexOf('[');
    const filter = key.slice('experimental.'.length, open);
    const [k] = bracketKeys(key.slice(open));
    return k ? { side: 'rules', one: (v) => ({ metadata: { filter, path: [{ key: k }], value: { string_match: stringMatcher(v) } } }) } : undefined;
  }
  return undefined;
}

function conditions(when: readonly Condition[], side: Kind, ctx: RuleContext): Fields[] {
  const out: Fields[] = [];
  for (const c of when) {
    const m = conditionMatcher(c.key, ctx);
    if (m?.side === side) field(out, side, c.values, c.notValues, m.one);
  }
  return out;
}

function and(list: Fields[], kind: Kind): Fields {
  if (list.length === 0) return { any: true };
  return kind === 'rules' ? { and_rules: { rules: list } } : { and_ids: { ids: list } };
}

/** Condition keys this translation cannot express (the schema normally rejects them first). */
export function unsupportedConditions(rule: Rule, ctx: RuleContext): string[] {
  return (rule.when ?? []).filter((c) => !conditionMatcher(c.key, ctx)).map((c) => c.key);
}

export function rulePolicy(rule: Rule, ctx: RuleContext): { permissions: Fields[]; principals: Fields[] } {
  const when = rule.when ?? [];
  const permWhen = conditions(when, 'rules', ctx);
  const idWhen = conditions(when, 'ids', ctx);
  const permissions = rule.to?.length
    ? rule.to.map((t) => and([...operationRules(t.operation), ...permWhen], 'rules'))
    : [and(permWhen, 'rules')];
  const principals = rule.from?.length
    ? rule.from.map((f) => and([...sourceIds(f.source, ctx), ...idWhen], 'ids'))
    : [and(idWhen, 'ids')];
  return { permissions, principals };
}
