// AuthorizationPolicies → Envoy RBAC HTTP filters, in Istio's shape: one filter per action, in
// the order Istio evaluates them — AUDIT (RBAC action LOG: only marks the request for logging),
// then DENY, then ALLOW — each with one policy per rule named `ns[<ns>]-policy[<name>]-rule[<i>]`.
// A workload with no ALLOW policy gets no ALLOW filter (everything not denied is allowed); an
// ALLOW policy without rules adds no policy but still creates the filter, so it denies all.
// CUSTOM needs an external authorizer (ext_authz), which Isthmus does not have: its rules are
// enforced as DENY in a filter of their own (stat prefix `istio_custom_no_provider_`), failing
// closed rather than silently allowing what the provider would have been asked about.
// Policies annotated `istio.io/dry-run: "true"` go to shadow_rules: evaluated, logged, not enforced.
import type { AuthorizationPolicyEntry } from '../model/authorization-policy-index.js';
import type { TranslateContext } from './context.js';
import { rulePolicy } from './authz-rule.js';
import { any } from './proto.js';

type Fields = Record<string, unknown>;

export const RBAC_FILTER = 'envoy.filters.http.rbac';
export const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const CUSTOM_STAT_PREFIX = 'istio_custom_no_provider_';

export function policyName(entry: AuthorizationPolicyEntry, rule: number): string {
  return `ns[${entry.namespace}]-policy[${entry.name}]-rule[${rule}]`;
}

type Group = 'LOG' | 'CUSTOM' | 'DENY' | 'ALLOW';

function groupOf(entry: AuthorizationPolicyEntry): Group {
  switch (entry.spec.action ?? 'ALLOW') {
    case 'AUDIT': return 'LOG';
    case 'CUSTOM': return 'CUSTOM';
    case 'DENY': return 'DENY';
    default: return 'ALLOW';
  }
}

function policies(entries: readonly AuthorizationPolicyEntry[], trustDomain: string): Record<string, Fields> {
  const out: Record<string, Fields> = {};
  for (const e of entries) {
    (e.spec.rules ?? []).forEach((rule, i) => {
      out[policyName(e, i)] = rulePolicy(rule, { namespace: e.namespace, trustDomain });
    });
  }
  return out;
}

function rbacFilter(action: 'LOG' | 'DENY' | 'ALLOW', enforced: readonly AuthorizationPolicyEntry[], dryRun: readonly AuthorizationPolicyEntry[], trustDomain: string, statPrefix?: string): Fields {
  const config: Fields = {};
  if (enforced.length) config.rules = { action, policies: policies(enforced, trustDomain) };
  if (dryRun.length) {
    config.shadow_rules = { action, policies: policies(dryRun, trustDomain) };
    config.shadow_rules_stat_prefix = `istio_dry_run_${action.toLowerCase()}_`;
  }
  if (statPrefix) config.rules_stat_prefix = statPrefix;
  return { name: RBAC_FILTER, typed_config: any(RBAC_TYPE, config) };
}

/** The RBAC filters for a workload's inbound (or a gateway's) HTTP connection manager, in order. */
export function rbacFilters(entries: readonly AuthorizationPolicyEntry[], trustDomain: string): Fields[] {
  const by = (g: Group, dry: boolean) => entries.filter((e) => groupOf(e) === g && e.dryRun === dry);
  const out: Fields[] = [];
  for (const g of ['LOG', 'CUSTOM', 'DENY', 'ALLOW'] as const) {
    const enforced = by(g, false);
    const dryRun = by(g, true);
    if (enforced.length === 0 && dryRun.length === 0) continue;
    // An audit policy never denies: dry-run makes no difference to it.
    if (g === 'LOG') out.push(rbacFilter('LOG', [...enforced, ...dryRun], [], trustDomain));
    else if (g === 'CUSTOM') out.push(rbacFilter('DENY', enforced, dryRun, trustDomain, CUSTOM_STAT_PREFIX));
    else out.push(rbacFilter(g, enforced, dryRun, trustDomain));
  }
  return out;
}

export type PathNormalization = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

/** MeshConfig pathNormalization as HttpConnectionManager fields (Istio's mapping). */
export function pathNormalizationFields(mode: PathNormalization = 'BASE'): Fields {
  switch (mode) {
    case 'NONE': return { normalize_path: { value: false } };
    case 'BASE': return { normalize_path: { value: true } };
    case 'MERGE_SLASHES': return { normalize_path: { value: true }, merge_slashes: true };
    case 'DECODE_AND_MERGE_SLASHES':
      return { normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' };
  }
}

/**
 * The chain with the RBAC filters inserted where Istio puts them: after authentication
 * (jwt_authn), before everything else (CORS, fault, router), so nothing acts on a request that
 * is then denied.
 */
export function withRbacFilters(chain: readonly Fields[], rbac: readonly Fields[]): Fields[] {
  const AFTER = new Set(['envoy.filters.http.jwt_authn', 'istio_authn', 'istio.authn']);
  let at = 0;
  chain.forEach((f, i) => {
    if (AFTER.has(String(f.name))) at = i + 1;
  });
  return [...chain.slice(0, at), ...rbac, ...chain.slice(at)];
}

/** What an inbound or gateway HCM adds for authorization: its RBAC filters and path normalization. */
export function authzHcmOptions(ctx: TranslateContext): { rbac: Fields[]; hcmFields: Fields } {
  return {
    rbac: rbacFilters(ctx.push.authorizationPoliciesFor(ctx.proxy), ctx.push.mesh.trustDomain),
    hcmFields: pathNormalizationFields(ctx.push.mesh.pathNormalization),
  };
}
