// RouteConfigurations for the three client kinds: a sidecar's per-port tables (`"9080"`) and its
// HTTP-proxy table, each drawn from one egress listener's view; a proxyless client's per-target
// table (`host:port`); and a gateway's per-port table (`http.80`).
import { hostMatches, resolveHost } from '../../api/hosts.js';
import { isHttpLike } from '../../registry/protocol.js';
import type { Service } from '../../registry/types.js';
import { MESH_GATEWAY, type VirtualServiceEntry } from '../model/virtual-service-index.js';
import type { TranslateContext } from './context.js';
import { resolveDestination } from './destination.js';
import { DomainSet, serviceDomains } from './domains.js';
import { HTTP_PROXY_ROUTE, sidecarRouteName } from './names.js';
import { bool } from './proto.js';
import { defaultRoute, routesForVirtualService, type RouteSite } from './route.js';
import { virtualServiceFor, type RouteView } from './route-view.js';

type Fields = Record<string, unknown>;

function site(ctx: TranslateContext, gateway: string, port: number | undefined): RouteSite {
  return { gateway, port, proxyLabels: ctx.proxy.labels, proxyNamespace: ctx.proxy.namespace };
}

function serviceRoutes(ctx: TranslateContext, view: RouteView, s: Service, port: number): Fields[] {
  const vs = virtualServiceFor(view, s.hostname);
  return vs ? routesForVirtualService(ctx, vs, site(ctx, MESH_GATEWAY, port)) : [defaultRoute(ctx, s.hostname, port, s.namespace)];
}

/** HTTP-like ports of the given services (the catch-all listener's ports). */
export function httpPorts(services: readonly Service[]): number[] {
  const ports = new Set<number>();
  for (const s of services) for (const p of s.ports) if (isHttpLike(p.protocol)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** Whether the service belongs in the view's table for `port`. */
function servesPort(view: RouteView, s: Service, port: number): boolean {
  return s.ports.some((p) => p.port === port && (view.declaredPort || isHttpLike(p.protocol)));
}

/** VirtualService hosts that no service in the view defines, but whose routes go to `port`. */
function virtualHostsWithoutService(ctx: TranslateContext, view: RouteView, port: number, domains: DomainSet, portless: boolean): Fields[] {
  const out: Fields[] = [];
  for (const vs of view.virtualServices) {
    const hosts = vs.hosts.filter((h) => !view.services.some((s) => s.hostname === h || hostMatches(h, s.hostname)));
    if (hosts.length === 0 || !routesToPort(ctx, vs, port)) continue;
    const claimed = domains.claim(hosts.flatMap((h) => (portless ? [h, `${h}:${port}`] : [`${h}:${port}`])));
    const routes = routesForVirtualService(ctx, vs, site(ctx, MESH_GATEWAY, port));
    if (claimed.length && routes.length) out.push({ name: `${vs.namespace}/${vs.name}:${port}`, domains: claimed, routes });
  }
  return out;
}

function routesToPort(ctx: TranslateContext, vs: VirtualServiceEntry, port: number): boolean {
  return (vs.resource.spec.http ?? []).some((h) => (h.route ?? []).some((d) => resolveDestination(ctx, d.destination, vs.namespace, undefined).port === port));
}

/** The catch-all for hosts outside the registry: pass through (ALLOW_ANY) or refuse (REGISTRY_ONLY). */
function fallbackVirtualHost(ctx: TranslateContext, domains: DomainSet): Fields[] {
  const claimed = domains.claim(['*']);
  if (!claimed.length) return [];
  if (ctx.scope.outboundMode === 'ALLOW_ANY') {
    return [{ name: 'allow_any', domains: claimed, routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster', timeout: { seconds: 0, nanos: 0 } } }] }];
  }
  return [{ name: 'block_all', domains: claimed, routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] }];
}

/** A per-port table (`"9080"`): what a listener for `port` routes, by Host with or without the port. */
export function sidecarRouteConfig(ctx: TranslateContext, view: RouteView, port: number, name: string = sidecarRouteName(port)): Fields {
  const domains = new DomainSet();
  const vhosts: Fields[] = [];
  for (const s of view.services) {
    if (!servesPort(view, s, port)) continue;
    const claimed = domains.claim(serviceDomains(s, port, ctx.proxy.namespace, ctx.push.domainSuffix, { portless: true }));
    if (claimed.length) vhosts.push({ name: `${s.hostname}:${port}`, domains: claimed, routes: serviceRoutes(ctx, view, s, port) });
  }
  vhosts.push(...virtualHostsWithoutService(ctx, view, port, domains, true));
  vhosts.push(...fallbackVirtualHost(ctx, domains));
  return { name, virtual_hosts: vhosts, validate_clusters: bool(false) };
}

/**
 * An HTTP-proxy-mode table: the app sends every request to the proxy, which routes by Host over
 * every port at once. Clients put the port in Host unless it is 80, so only port-80 services get
 * portless domains.
 */
export function httpProxyRouteConfig(ctx: TranslateContext, view: RouteView, name: string = HTTP_PROXY_ROUTE): Fields {
  const domains = new DomainSet();
  const vhosts: Fields[] = [];
  for (const port of httpPorts(view.services)) {
    for (const s of view.services) {
      if (!s.ports.some((p) => p.port === port && isHttpLike(p.protocol))) continue;
      const claimed = domains.claim(serviceDomains(s, port, ctx.proxy.namespace, ctx.push.domainSuffix, { portless: port === 80 }));
      if (claimed.length) vhosts.push({ name: `${s.hostname}:${port}`, domains: claimed, routes: serviceRoutes(ctx, view, s, port) });
    }
    vhosts.push(...virtualHostsWithoutService(ctx, view, port, domains, port === 80));
  }
  vhosts.push(...fallbackVirtualHost(ctx, domains));
  return { name, virtual_hosts: vhosts, validate_clusters: bool(false) };
}

/** A proxyless target `host:port` (short host resolved in the proxy's namespace). */
export interface ProxylessTarget {
  name: string;
  host: string;
  port: number;
}

export function parseProxylessTarget(name: string, namespace: string, domainSuffix: string): ProxylessTarget | undefined {
  const m = /^([^:/]+):(\d+)$/.exec(name);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { name, host: resolveHost(m[1] as string, namespace, domainSuffix), port };
}

export function proxylessRouteConfig(ctx: TranslateContext, target: ProxylessTarget): Fields | undefined {
  const service = ctx.push.serviceFor(ctx.proxy, target.host);
  const vs = ctx.push.virtualServiceForHost(ctx.proxy, target.host);
  if (!service && !vs) return undefined;
  const routes = vs ? routesForVirtualService(ctx, vs, site(ctx, MESH_GATEWAY, target.port)) : [defaultRoute(ctx, target.host, target.port, service?.namespace)];
  const domains = new DomainSet().claim([target.name, target.host, `${target.host}:${target.port}`]);
  return { name: target.name, virtual_hosts: [{ name: target.name, domains, routes }] };
}
