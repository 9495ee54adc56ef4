// CorsPolicy → the CORS filter's per-route CorsPolicy (Envoy's typed_per_filter_config form;
// RouteAction.cors is deprecated).
import type { CorsPolicy } from '../../api/networking/virtual-service.js';
import { parseDuration } from '../../api/fields/duration.js';
import { stringMatcher } from './match.js';
import { any, bool } from './proto.js';
import { EXT } from './type-urls.js';

export function corsPolicyConfig(c: CorsPolicy | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  const origins = [
    ...(c.allowOrigins ?? []).map((o) => stringMatcher(o)),
    ...(c.allowOrigin ?? []).map((o) => (o === '*' ? { prefix: '' } : { exact: o })),
  ];
  const out: Record<string, unknown> = { allow_origin_string_match: origins };
  if (c.allowMethods?.length) out.allow_methods = c.allowMethods.join(',');
  if (c.allowHeaders?.length) out.allow_headers = c.allowHeaders.join(',');
  if (c.exposeHeaders?.length) out.expose_headers = c.exposeHeaders.join(',');
  if (c.maxAge) out.max_age = String(Math.floor((parseDuration(c.maxAge) ?? 0) / 1000));
  if (c.allowCredentials !== undefined) out.allow_credentials = bool(c.allowCredentials);
  if (c.unmatchedPreflights === 'FORWARD') out.forward_not_matching_preflights = bool(true);
  if (c.unmatchedPreflights === 'IGNORE') out.forward_not_matching_preflights = bool(false);
  return any(EXT.CORS_POLICY, out);
}
