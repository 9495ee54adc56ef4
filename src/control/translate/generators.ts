// The map the xDS server calls: type URL → generator. Each generator answers one discovery
// request for one proxy from one PushContext; `names` undefined is a wildcard subscription.
import { TYPE_URL, type TypeUrl, type XdsResource } from '../xds/resource.js';
import type { PushContext } from '../model/push-context.js';
import type { ProxyNode } from '../model/proxy.js';
import { buildCluster, buildLoadAssignment, builtinClusters, clusterTargets, usesEds, type ClusterTarget } from './cluster.js';
import { translateContext, type TranslateContext } from './context.js';
import { gatewayRouteConfig, httpServersOnPort } from './gateway-routes.js';
import { gatewayListeners } from './listener-gateway.js';
import { proxylessListener, proxylessTargets } from './listener-proxyless.js';
import { egressListener } from './listener-egress.js';
import { httpProxyListener, inboundCluster, inboundListener, inboundPorts, outboundPortListeners } from './listener-sidecar.js';
import { HTTP_PROXY_ROUTE, gatewayRouteName, sidecarRouteName } from './names.js';
import { outboundPlan } from './outbound-plan.js';
import { httpProxyRouteConfig, proxylessRouteConfig, sidecarRouteConfig } from './route-config.js';
import { routeView, type RouteView } from './route-view.js';

export interface Generator {
  generate(proxy: ProxyNode, push: PushContext, names: readonly string[] | undefined): XdsResource[];
}

type Fields = Record<string, unknown>;

function wrap(typeUrl: TypeUrl, values: Fields[], nameKey = 'name'): XdsResource[] {
  return values.map((value) => ({ name: String(value[nameKey]), typeUrl, value }));
}

function only(names: readonly string[] | undefined): (name: string) => boolean {
  if (names === undefined) return () => true;
  const set = new Set(names);
  return (n) => set.has(n);
}

function listeners(ctx: TranslateContext, names: readonly string[] | undefined): Fields[] {
  switch (ctx.kind) {
    case 'proxyless':
      return proxylessTargets(ctx, names).map(proxylessListener);
    case 'router':
      return gatewayListeners(ctx).filter((l) => only(names)(l.name as string));
    case 'sidecar':
      return sidecarListeners(ctx).filter((l) => only(names)(l.name as string));
  }
}

function sidecarListeners(ctx: TranslateContext): Fields[] {
  const plan = outboundPlan(ctx);
  const out: Fields[] = [];
  if (plan.httpProxyPort !== undefined) out.push(httpProxyListener(ctx, plan.httpProxyPort));
  for (const e of plan.egress) {
    const l = egressListener(ctx, e);
    if (l) out.push(l);
  }
  out.push(...outboundPortListeners(ctx, plan.catchAllPorts), ...inboundPorts(ctx).map((p) => inboundListener(ctx, p)));
  return out;
}

const NOTHING: RouteView = { services: [], virtualServices: [], declaredPort: false };

function sidecarRoutes(ctx: TranslateContext, names: readonly string[] | undefined): Fields[] {
  const want = only(names);
  const plan = outboundPlan(ctx);
  const out: Fields[] = [];
  let catchAll: RouteView | undefined;
  const catchAllView = (): RouteView => (catchAll ??= ctx.scope.catchAll ? routeView(ctx, ctx.scope.catchAll) : NOTHING);
  for (const p of plan.catchAllPorts) if (want(sidecarRouteName(p))) out.push(sidecarRouteConfig(ctx, catchAllView(), p));
  for (const e of plan.egress) {
    if (e.routeName === undefined || !want(e.routeName)) continue;
    const view = routeView(ctx, e.listener);
    out.push(e.proxyStyle ? httpProxyRouteConfig(ctx, view, e.routeName) : sidecarRouteConfig(ctx, view, e.port, e.routeName));
  }
  // Istio's http_proxy table is the catch-all listener's; without one it routes nothing but `*`.
  if (plan.httpProxyPort !== undefined && want(HTTP_PROXY_ROUTE)) out.push(httpProxyRouteConfig(ctx, catchAllView()));
  return out;
}

function routes(ctx: TranslateContext, names: readonly string[] | undefined): Fields[] {
  switch (ctx.kind) {
    case 'proxyless':
      return proxylessTargets(ctx, names).map((t) => proxylessRouteConfig(ctx, t)).filter((r): r is Fields => r !== undefined);
    case 'router': {
      const gateways = ctx.push.gatewaysFor(ctx.proxy);
      const ports = [...new Set(gateways.flatMap((g) => g.spec.servers.map((s) => s.port.number)))]
        .filter((p) => httpServersOnPort(gateways, p).length > 0);
      return ports.filter((p) => only(names)(gatewayRouteName(p))).map((p) => gatewayRouteConfig(ctx, p));
    }
    case 'sidecar':
      return sidecarRoutes(ctx, names);
  }
}

function targets(ctx: TranslateContext, names: readonly string[] | undefined): ClusterTarget[] {
  const want = only(names);
  return clusterTargets(ctx).filter((t) => want(t.name));
}

function clusters(ctx: TranslateContext, names: readonly string[] | undefined): Fields[] {
  const out = targets(ctx, names).map((t) => buildCluster(ctx, t));
  if (ctx.kind !== 'proxyless') {
    const want = only(names);
    out.push(...builtinClusters().filter((c) => want(c.name as string)));
    if (ctx.kind === 'sidecar') out.push(...inboundPorts(ctx).map(inboundCluster).filter((c) => want(c.name as string)));
  }
  return out;
}

function endpoints(ctx: TranslateContext, names: readonly string[] | undefined): Fields[] {
  return targets(ctx, names).filter((t) => usesEds(ctx, t)).map((t) => buildLoadAssignment(ctx, t));
}

function generator(build: (ctx: TranslateContext, names: readonly string[] | undefined) => Fields[], typeUrl: TypeUrl, nameKey?: string): Generator {
  return {
    generate(proxy, push, names) {
      return wrap(typeUrl, build(translateContext(proxy, push), names), nameKey);
    },
  };
}

/** Listener, RouteConfiguration, Cluster and ClusterLoadAssignment; SDS is served elsewhere. */
export const GENERATORS: ReadonlyMap<TypeUrl, Generator> = new Map<TypeUrl, Generator>([
  [TYPE_URL.LISTENER, generator(listeners, TYPE_URL.LISTENER)],
  [TYPE_URL.ROUTE, generator(routes, TYPE_URL.ROUTE)],
  [TYPE_URL.CLUSTER, generator(clusters, TYPE_URL.CLUSTER)],
  [TYPE_URL.ENDPOINT, generator(endpoints, TYPE_URL.ENDPOINT, 'cluster_name')],
]);

/** Convenience: generate one type for a proxy. */
export function generate(typeUrl: TypeUrl, proxy: ProxyNode, push: PushContext, names?: readonly string[]): XdsResource[] {
  return GENERATORS.get(typeUrl)?.generate(proxy, push, names) ?? [];
}
