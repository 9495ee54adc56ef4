// What a TCP egress listener forwards to: a VirtualService `tcp:` route's destinations (one
// cluster, or weighted clusters), else the cluster of the one service on the listener's port.
// Istio's rule for one address:port shared by several services is that the first one wins; here
// "first" is by host name, preferring a service whose VirtualService has a tcp route that applies.
import type { TCPRoute } from '../../api/networking/virtual-service.js';
import type { Service } from '../../registry/types.js';
import { MESH_GATEWAY, resolveGatewayName, type VirtualServiceEntry } from '../model/virtual-service-index.js';
import type { TranslateContext } from './context.js';
import { resolveDestination } from './destination.js';
import { matchAppliesTo } from './match.js';
import { clusterName } from './names.js';
import { virtualServiceFor, type RouteView } from './route-view.js';

type Fields = Record<string, unknown>;

/** The first tcp route of `vs` that applies to this proxy on `port` (Istio: first match wins). */
export function applicableTcpRoute(ctx: TranslateContext, vs: VirtualServiceEntry, port: number): TCPRoute | undefined {
  const site = { gateway: MESH_GATEWAY, port, proxyLabels: ctx.proxy.labels, proxyNamespace: ctx.proxy.namespace };
  return (vs.resource.spec.tcp ?? []).find((route) => {
    if (!route.match?.length) return vs.gateways.includes(MESH_GATEWAY);
    // Subnet conditions would need filter-chain matches; not translated yet, so such a match
    // never applies rather than applying too widely.
    return route.match.some((m) => !m.destinationSubnets?.length && m.sourceSubnet === undefined &&
      matchAppliesTo(m, site, vs.gateways, (g) => resolveGatewayName(g, vs.namespace)));
  });
}

/** A TcpProxy's cluster fields for a tcp route: `cluster`, or `weighted_clusters` (zero weights dropped). */
function routeTarget(ctx: TranslateContext, vs: VirtualServiceEntry, route: TCPRoute, port: number): Fields | undefined {
  const kept = route.route.filter((d, _i, all) => all.length === 1 || d.weight !== 0);
  if (kept.length === 0) return undefined;
  const clusters = kept.map((d) => resolveDestination(ctx, d.destination, vs.namespace, port).cluster);
  if (clusters.length === 1) return { cluster: clusters[0] };
  const allUnset = kept.every((d) => !d.weight);
  // Envoy's TCP weights are plain uint32s of at least 1; no weights at all is an even split.
  return { weighted_clusters: { clusters: clusters.map((name, i) => ({ name, weight: allUnset ? 1 : (kept[i]?.weight ?? 0) })) } };
}

/**
 * The TcpProxy config for an egress listener on `port` over the view's services and
 * VirtualServices, or undefined when nothing there can take the traffic.
 */
export function tcpProxyConfig(ctx: TranslateContext, view: RouteView, port: number, statPrefix: string): Fields | undefined {
  const onPort = view.services.filter((s: Service) => s.ports.some((p) => p.port === port));
  for (const s of onPort) {
    const vs = virtualServiceFor(view, s.hostname);
    const route = vs && applicableTcpRoute(ctx, vs, port);
    const target = vs && route && routeTarget(ctx, vs, route, port);
    if (target) return { stat_prefix: target.cluster ?? statPrefix, ...target };
  }
  const first = onPort[0];
  if (first) {
    const cluster = clusterName('outbound', port, '', first.hostname);
    return { stat_prefix: cluster, cluster };
  }
  // No service on the port: a VirtualService for a host outside the registry may still route it.
  for (const vs of view.virtualServices) {
    const route = applicableTcpRoute(ctx, vs, port);
    const target = route && routeTarget(ctx, vs, route, port);
    if (target) return { stat_prefix: target.cluster ?? statPrefix, ...target };
  }
  return undefined;
}
