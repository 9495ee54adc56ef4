// A VirtualService's HTTP routes → Envoy Routes for one site (a gateway or `mesh`, one port).
// Each HTTPMatchRequest becomes its own Envoy route, in order, so first-match order is kept.
import type { HTTPRoute } from '../../api/networking/virtual-service.js';
import type { VirtualServiceEntry } from '../model/virtual-service-index.js';
import { resolveGatewayName } from '../model/virtual-service-index.js';
import type { TranslateContext } from './context.js';
import { corsPolicyConfig } from './cors.js';
import { resolveDestination, type ResolvedDestination } from './destination.js';
import { faultFilterConfig } from './fault.js';
import { hashPolicy } from './hash-policy.js';
import { authorityOverride, headerFields } from './headers.js';
import { matchAppliesTo, routeMatch, type MatchSite } from './match.js';
import { clusterName } from './names.js';
import { duration, fractionalPercent, u32 } from './proto.js';
import { retryPolicy } from './retry.js';
import { redirectAction, directResponseAction, rewriteFields } from './route-special.js';
import { effectivePolicy } from './traffic-policy.js';
import { FILTER } from './type-urls.js';

export type RouteSite = MatchSite;

type Fields = Record<string, unknown>;

export function routesForVirtualService(ctx: TranslateContext, vs: VirtualServiceEntry, site: RouteSite): Fields[] {
  const out: Fields[] = [];
  (vs.resource.spec.http ?? []).forEach((http, i) => {
    // Delegation (VirtualService chains) is not translated yet; such a route is left out.
    if (http.delegate) return;
    const matches = http.match?.length
      ? http.match.filter((m) => matchAppliesTo(m, site, vs.gateways, (g) => resolveGatewayName(g, vs.namespace)))
      : [undefined];
    if (matches.length === 0) return;
    if (!http.match?.length && !vs.gateways.includes(site.gateway)) return;
    const action = routeBody(ctx, vs, http, site);
    if (!action) return;
    const base = http.name ?? `${vs.namespace}.${vs.name}.${i}`;
    for (const m of matches) {
      out.push({ name: m?.name ? `${base}.${m.name}` : base, match: routeMatch(m), ...action });
    }
  });
  return out;
}

/**
 * The default route for a service without a VirtualService: everything to its cluster, with the
 * DestinationRule's consistent-hash policy when it has one (as Istio's default route does).
 */
export function defaultRoute(ctx: TranslateContext, host: string, port: number, serviceNamespace?: string): Fields {
  const route: Fields = { cluster: clusterName('outbound', port, '', host), ...timeoutFields(undefined, ctx) };
  const retry = retryPolicy(undefined, ctx.kind);
  if (retry) route.retry_policy = retry;
  const dr = ctx.push.destinationRule(ctx.proxy, host, serviceNamespace);
  const hash = hashPolicy(effectivePolicy(dr?.spec, '', port).loadBalancer);
  if (hash) route.hash_policy = hash;
  return { name: 'default', match: { prefix: '/' }, route };
}

function timeoutFields(timeout: string | undefined, ctx: TranslateContext): Fields {
  const t = duration(timeout);
  if (t) return { timeout: t, max_stream_duration: { max_stream_duration: t, grpc_timeout_header_max: t } };
  // Istio turns Envoy's 15s default off, and lets a gRPC client's grpc-timeout header set the
  // deadline (grpc_timeout_header_max 0 = uncapped); gRPC clients keep their own deadline.
  const none = { seconds: 0, nanos: 0 };
  return ctx.kind === 'proxyless' ? {} : { timeout: none, max_stream_duration: { grpc_timeout_header_max: none } };
}

function routeBody(ctx: TranslateContext, vs: VirtualServiceEntry, http: HTTPRoute, site: RouteSite): Fields | undefined {
  const headers = headerFields(http.headers);
  // gRPC clients accept only forwarding routes; a redirect or direct response would make them
  // reject the whole RouteConfiguration, so such routes are left out for them.
  if (http.redirect) return ctx.kind === 'proxyless' ? undefined : { redirect: redirectAction(http.redirect), ...headers };
  if (http.directResponse) return ctx.kind === 'proxyless' ? undefined : { direct_response: directResponseAction(http.directResponse), ...headers };

  const weighted = (http.route ?? []).filter((d, _i, all) => all.length === 1 || d.weight !== 0);
  if (weighted.length === 0) return undefined;
  const dests = weighted.map((d) => resolveDestination(ctx, d.destination, vs.namespace, site.port));
  const action: Fields = {};
  let single: Fields = {};
  if (dests.length === 1) {
    action.cluster = (dests[0] as ResolvedDestination).cluster;
    single = headerFields(weighted[0]?.headers);
  } else {
    const allUnset = weighted.every((d) => !d.weight);
    action.weighted_clusters = {
      clusters: dests.map((d, i) => ({
        name: d.cluster,
        // Weights left out everywhere mean an even split (gRPC rejects a zero total).
        weight: u32(allUnset ? 1 : (weighted[i]?.weight ?? 0)),
        ...headerFields(weighted[i]?.headers),
      })),
    };
  }
  Object.assign(action, timeoutFields(http.timeout, ctx));
  const retry = retryPolicy(http.retries, ctx.kind);
  if (retry) action.retry_policy = retry;
  const mirrors = mirrorPolicies(ctx, vs, http, site);
  if (mirrors.length) action.request_mirror_policies = mirrors;
  Object.assign(action, rewriteFields(http.rewrite, http.match));
  const authority = http.rewrite?.authority ?? authorityOverride(http.headers);
  if (authority) action.host_rewrite_literal = authority;
  const first = dests[0] as ResolvedDestination;
  const dr = ctx.push.destinationRule(ctx.proxy, first.host, first.service?.namespace);
  const hash = hashPolicy(effectivePolicy(dr?.spec, first.subset, first.port).loadBalancer);
  if (hash) action.hash_policy = hash;

  const perFilter: Fields = {};
  const fault = faultFilterConfig(http.fault);
  if (fault) perFilter[FILTER.FAULT] = fault;
  // gRPC has no CORS filter and rejects per-route config for filters it does not know.
  const cors = ctx.kind === 'proxyless' ? undefined : corsPolicyConfig(http.corsPolicy);
  if (cors) perFilter[FILTER.CORS] = cors;
  const out: Fields = { route: action, ...mergeHeaders(headers, single) };
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  return out;
}

function mirrorPolicies(ctx: TranslateContext, vs: VirtualServiceEntry, http: HTTPRoute, site: RouteSite): Fields[] {
  const list: { dest: NonNullable<HTTPRoute['mirror']>; pct: number }[] = [];
  if (http.mirror) list.push({ dest: http.mirror, pct: http.mirrorPercentage?.value ?? http.mirrorPercent ?? 100 });
  for (const m of http.mirrors ?? []) list.push({ dest: m.destination, pct: m.percentage?.value ?? 100 });
  return list.map(({ dest, pct }) => ({
    cluster: resolveDestination(ctx, dest, vs.namespace, site.port).cluster,
    runtime_fraction: { default_value: fractionalPercent(pct) },
  }));
}

function mergeHeaders(a: Fields, b: Fields): Fields {
  const out: Fields = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...((out[k] as unknown[] | undefined) ?? []), ...(v as unknown[])];
  return out;
}
