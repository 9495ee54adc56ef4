// A CORS policy (envoy.extensions.filters.http.cors.v3.CorsPolicy per route, or the deprecated
// RouteAction/VirtualHost `cors` of the same shape) read once, and Envoy's merge of the levels:
// each setting comes from the most specific policy that sets it, except filter_enabled and
// shadow_enabled, which only the most specific policy decides.
import type { Fields } from '../stream.js';
import { checkType, list, str, wrappedBool } from './config-fields.js';
import { checkStringMatcher } from './matcher-check.js';
import { readRuntimeFraction, type Fraction } from './percent.js';

export const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

export interface CorsPolicy {
  origins: Fields[];
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  maxAge: string;
  allowCredentials?: boolean;
  allowPrivateNetworkAccess?: boolean;
  forwardNotMatchingPreflights?: boolean;
  /** undefined: enabled for every request. */
  filterEnabled?: Fraction;
  /** undefined: no shadow evaluation. */
  shadowEnabled?: Fraction;
}

export function readCorsPolicy(config: Fields, typed = true): CorsPolicy {
  if (typed) checkType(config, CORS_POLICY_TYPE);
  return {
    origins: list(config.allow_origin_string_match, 'allow_origin_string_match').map((m, i) => checkStringMatcher(m, `allow_origin_string_match[${i}]`)),
    allowMethods: str(config.allow_methods, 'allow_methods'),
    allowHeaders: str(config.allow_headers, 'allow_headers'),
    exposeHeaders: str(config.expose_headers, 'expose_headers'),
    maxAge: str(config.max_age, 'max_age'),
    allowCredentials: wrappedBool(config.allow_credentials, 'allow_credentials'),
    allowPrivateNetworkAccess: wrappedBool(config.allow_private_network_access, 'allow_private_network_access'),
    forwardNotMatchingPreflights: wrappedBool(config.forward_not_matching_preflights, 'forward_not_matching_preflights'),
    filterEnabled: readRuntimeFraction(config.filter_enabled, 'filter_enabled'),
    shadowEnabled: readRuntimeFraction(config.shadow_enabled, 'shadow_enabled'),
  };
}

/** The effective settings over policies ordered most specific first. */
export class MergedCors {
  constructor(readonly policies: readonly CorsPolicy[]) {}

  private firstString(pick: (p: CorsPolicy) => string): string {
    for (const p of this.policies) if (pick(p) !== '') return pick(p);
    return '';
  }

  private firstBool(pick: (p: CorsPolicy) => boolean | undefined, fallback: boolean): boolean {
    for (const p of this.policies) {
      const v = pick(p);
      if (v !== undefined) return v;
    }
    return fallback;
  }

  get origins(): Fields[] {
    for (const p of this.policies) if (p.origins.length > 0) return p.origins;
    return [];
  }

  get allowMethods(): string { return this.firstString((p) => p.allowMethods); }
  get allowHeaders(): string { return this.firstString((p) => p.allowHeaders); }
  get exposeHeaders(): string { return this.firstString((p) => p.exposeHeaders); }
  get maxAge(): string { return this.firstString((p) => p.maxAge); }
  get allowCredentials(): boolean { return this.firstBool((p) => p.allowCredentials, false); }
  get allowPrivateNetworkAccess(): boolean { return this.firstBool((p) => p.allowPrivateNetworkAccess, false); }
  /** Preflights from origins that are not allowed go upstream unless a policy says otherwise. */
  get forwardNotMatchingPreflights(): boolean { return this.firstBool((p) => p.forwardNotMatchingPreflights, true); }
}
