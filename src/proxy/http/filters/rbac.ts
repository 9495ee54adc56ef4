// Envoy's RBAC HTTP filter (envoy.extensions.filters.http.rbac.v3.RBAC), which Istio's
// AuthorizationPolicies become (one filter per action: LOG for AUDIT, then DENY, then ALLOW).
// `rules` are enforced: a denied request is answered 403 "RBAC: access denied" (gRPC:
// PERMISSION_DENIED) with details `rbac_access_denied_matched_policy[<policy>|none]`; a LOG rule
// set only logs the policy that matched. `shadow_rules` (Istio's dry-run) are evaluated and
// logged, never enforced. A route's RBACPerRoute replaces the filter's config for that route,
// and one without `rbac` turns the filter off there.
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, HttpStream } from '../stream.js';
import { checkType, message, reject, str } from './config-fields.js';
import { mostSpecific } from './per-route.js';
import { compileRbac, decide, type RbacEngine } from './rbac/engine.js';
import { factsOf } from './rbac/facts.js';

export const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const RBAC_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
export const RBAC_DENIED_BODY = 'RBAC: access denied';

interface RbacConfig {
  rules?: RbacEngine;
  shadow?: RbacEngine;
  statPrefix: string;
  shadowStatPrefix: string;
}

export function readRbacConfig(config: Fields, field = ''): RbacConfig {
  const at = (f: string) => (field ? `${field}.${f}` : f);
  for (const f of ['matcher', 'shadow_matcher'] as const) {
    if (config[f] !== undefined && config[f] !== null) reject(at(f), 'is not supported by this proxy; use rules/shadow_rules');
  }
  const rules = message(config.rules, at('rules'));
  const shadow = message(config.shadow_rules, at('shadow_rules'));
  return {
    ...(rules ? { rules: compileRbac(rules, at('rules')) } : {}),
    ...(shadow ? { shadow: compileRbac(shadow, at('shadow_rules')) } : {}),
    statPrefix: str(config.rules_stat_prefix, at('rules_stat_prefix')),
    shadowStatPrefix: str(config.shadow_rules_stat_prefix, at('shadow_rules_stat_prefix')),
  };
}

/** RBACPerRoute: `{rbac}` replaces the filter's config; no `rbac` disables the filter on the route. */
function readPerRoute(config: Fields): RbacConfig | null {
  checkType(config, RBAC_PER_ROUTE_TYPE);
  const rbac = message(config.rbac, 'rbac');
  return rbac ? readRbacConfig(rbac, 'rbac') : null;
}

export interface RbacOutcome {
  allowed: boolean;
  /** The enforced rule set's matching policy. */
  policy?: string;
  /** The shadow rule set's verdict, when it has one. */
  shadow?: { allowed: boolean; policy?: string };
}

class RbacFilter implements HttpFilter {
  private readonly perRoute = new WeakMap<Fields, RbacConfig | null>();

  constructor(private readonly config: RbacConfig, private readonly ctx: FilterContext) {}

  private configFor(stream: HttpStream): RbacConfig | null {
    const entry = mostSpecific(stream, this.ctx.name);
    if (!entry) return this.config;
    if (!this.perRoute.has(entry)) {
      let c: RbacConfig | null;
      try {
        c = readPerRoute(entry);
      } catch (err) {
        // validatePerRoute rejects such a route table first; fail closed if one slipped through.
        this.ctx.log(`rbac: bad per-route config, using the listener's: ${(err as Error).message}`);
        c = this.config;
      }
      this.perRoute.set(entry, c);
    }
    return this.perRoute.get(entry) ?? null;
  }

  /** Evaluates the request without acting on it (tests and logs use this). */
  evaluate(stream: HttpStream): RbacOutcome | undefined {
    const config = this.configFor(stream);
    if (!config) return undefined;
    const facts = factsOf(stream);
    const out: RbacOutcome = { allowed: true };
    if (config.shadow) out.shadow = decide(config.shadow, facts);
    if (config.rules) Object.assign(out, decide(config.rules, facts));
    return out;
  }

  decodeHeaders(stream: HttpStream): FilterStatus {
    const config = this.configFor(stream);
    const outcome = this.evaluate(stream);
    if (!config || !outcome) return 'continue';
    const where = `${stream.request.method} ${stream.request.authority}${stream.request.path}`;
    if (outcome.shadow) {
      const s = outcome.shadow;
      this.ctx.log(`rbac: ${config.shadowStatPrefix}shadow ${s.allowed ? 'allowed' : 'denied'} ${where}${s.policy ? ` (policy ${s.policy})` : ''}`);
      stream.filterState.set('envoy.filters.http.rbac.shadow', { engine_result: s.allowed ? 'allowed' : 'denied', effective_policy_id: s.policy ?? '' });
    }
    if (config.rules?.action === 'LOG') {
      if (outcome.policy) this.ctx.log(`rbac: ${config.statPrefix}audit ${where} matched policy ${outcome.policy}`);
      stream.filterState.set('envoy.filters.http.rbac.access_log_hint', outcome.policy !== undefined);
      return 'continue';
    }
    if (outcome.allowed) return 'continue';
    this.ctx.log(`rbac: ${config.statPrefix}denied ${where} (${outcome.policy ? `policy ${outcome.policy}` : 'no ALLOW policy matched'})`);
    stream.sendLocalReply({
      status: 403,
      body: RBAC_DENIED_BODY,
      headers: { 'content-type': 'text/plain' },
      details: `rbac_access_denied_matched_policy[${outcome.policy ?? 'none'}]`,
    });
    return 'stop';
  }
}

export type { RbacFilter };

export const rbacFilter: HttpFilterFactory = {
  typeUrl: RBAC_TYPE,
  create(config: Fields, ctx: FilterContext): HttpFilter {
    checkType(config, RBAC_TYPE);
    return new RbacFilter(readRbacConfig(config), ctx);
  },
  validatePerRoute(config: Fields): void {
    readPerRoute(config);
  },
};
