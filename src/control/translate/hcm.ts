// The HttpConnectionManager every HTTP listener carries. gRPC clients understand only the
// fault and router filters, so theirs has exactly those (router last, as gRPC requires);
// sidecars and gateways also get CORS.
import { withRbacFilters } from './authz.js';
import { withMixerFilter } from './mixer.js';
import type { ClientKind } from './context.js';
import { adsConfigSource, any } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

export interface HcmOptions {
  kind: ClientKind;
  statPrefix: string;
  /** RDS route table name; or an inline table in `routeConfig`. */
  rds?: string;
  routeConfig?: Record<string, unknown>;
  /** Gateways see the real client address. */
  useRemoteAddress?: boolean;
  /** HTTP-proxy mode: clients send absolute-form request targets (`GET http://host/path`). */
  absoluteUrls?: boolean;
  /** Authorization (authz.ts): RBAC filters (after jwt_authn, before the rest) and path normalization fields. */
  rbac?: Record<string, unknown>[];
  hcmFields?: Record<string, unknown>;
  /** Request authentication (jwt-authn.ts): the jwt_authn filter, first in the chain. */
  jwtAuthn?: Record<string, unknown>;
  /** Mixer (mixer.ts): its filter, after authentication and authorization. */
  mixer?: Record<string, unknown>;
}

function filter(name: string, typeUrl: string): Record<string, unknown> {
  return { name, typed_config: any(typeUrl) };
}

export function httpFilters(kind: ClientKind): Record<string, unknown>[] {
  const fault = filter(FILTER.FAULT, EXT.FAULT);
  const router = filter(FILTER.ROUTER, EXT.ROUTER);
  return kind === 'proxyless' ? [fault, router] : [filter(FILTER.CORS, EXT.CORS), fault, router];
}

export function httpConnectionManager(o: HcmOptions): Record<string, unknown> {
  const hcm: Record<string, unknown> = { stat_prefix: o.statPrefix, http_filters: httpFilters(o.kind) };
  if (o.rds !== undefined) hcm.rds = { config_source: adsConfigSource(), route_config_name: o.rds };
  else hcm.route_config = o.routeConfig;
  if (o.kind !== 'proxyless') {
    hcm.codec_type = 'AUTO';
    hcm.upgrade_configs = [{ upgrade_type: 'websocket' }];
    if (o.useRemoteAddress) hcm.use_remote_address = { value: true };
    if (o.absoluteUrls) hcm.http_protocol_options = { allow_absolute_url: { value: true } };
    if (o.jwtAuthn) hcm.http_filters = [o.jwtAuthn, ...(hcm.http_filters as Record<string, unknown>[])];
    if (o.rbac?.length) hcm.http_filters = withRbacFilters(hcm.http_filters as Record<string, unknown>[], o.rbac);
    if (o.mixer) hcm.http_filters = withMixerFilter(hcm.http_filters as Record<string, unknown>[], o.mixer);
    if (o.hcmFields) Object.assign(hcm, o.hcmFields);
  }
  return any(EXT.HCM, hcm);
}

/** A filter chain holding just an HCM. */
export function httpFilterChain(o: HcmOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, filters: [{ name: FILTER.HCM, typed_config: httpConnectionManager(o) }] };
}
