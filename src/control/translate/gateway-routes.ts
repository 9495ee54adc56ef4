// A gateway's HTTP route table for one port (`http.80`): the VirtualServices bound to the
// Gateways that select this proxy and serve that port, with hosts narrowed to the servers' hosts.
import { hostMatches } from '../../api/hosts.js';
import type { Server } from '../../api/networking/gateway.js';
import type { GatewayEntry } from '../model/gateway-index.js';
import type { TranslateContext } from './context.js';
import { DomainSet } from './domains.js';
import { gatewayRouteName } from './names.js';
import { bool } from './proto.js';
import { routesForVirtualService } from './route.js';

type Fields = Record<string, unknown>;

const HTTP_SERVER_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTPS']);

/** Servers of the proxy's gateways that carry HTTP on `port` (HTTPS only when terminated here). */
export function httpServersOnPort(gateways: readonly GatewayEntry[], port: number): { gateway: GatewayEntry; server: Server }[] {
  const out: { gateway: GatewayEntry; server: Server }[] = [];
  for (const g of gateways) {
    for (const server of g.spec.servers) {
      if (server.port.number !== port) continue;
      const protocol = server.port.protocol.toUpperCase();
      if (!HTTP_SERVER_PROTOCOLS.has(protocol)) continue;
      if (protocol === 'HTTPS' && (server.tls?.mode ?? 'PASSTHROUGH').includes('PASSTHROUGH')) continue;
      out.push({ gateway: g, server });
    }
  }
  return out;
}

/** `ns/host` server host → whether a VirtualService in `vsNamespace` may use it, and the DNS part. */
export function serverHost(entry: string, gatewayNamespace: string, vsNamespace: string): string | undefined {
  const slash = entry.indexOf('/');
  if (slash < 0) return entry;
  const ns = entry.slice(0, slash);
  const ok = ns === '*' || (ns === '.' ? vsNamespace === gatewayNamespace : ns === vsNamespace);
  return ok ? entry.slice(slash + 1) : undefined;
}

/** The VirtualService hosts a server admits, each narrowed to the more specific of the two. */
export function admittedHosts(vsHosts: readonly string[], server: Server, gatewayNamespace: string, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const entry of server.hosts) {
    const dns = serverHost(entry, gatewayNamespace, vsNamespace);
    if (dns === undefined) continue;
    for (const h of vsHosts) {
      if (hostMatches(dns, h)) out.push(h);
      else if (hostMatches(h, dns)) out.push(dns);
    }
  }
  return [...new Set(out)];
}

export function gatewayRouteConfig(ctx: TranslateContext, port: number): Fields {
  const domains = new DomainSet();
  const vhosts: Fields[] = [];
  for (const { gateway, server } of httpServersOnPort(ctx.push.gatewaysFor(ctx.proxy), port)) {
    for (const vs of ctx.push.virtualServicesFor(ctx.proxy, gateway.key)) {
      const hosts = admittedHosts(vs.hosts, server, gateway.namespace, vs.namespace);
      if (hosts.length === 0) continue;
      const routes = routesForVirtualService(ctx, vs, { gateway: gateway.key, port, proxyLabels: ctx.proxy.labels, proxyNamespace: ctx.proxy.namespace });
      if (routes.length === 0) continue;
      for (const h of hosts) {
        const claimed = domains.claim([h, `${h}:${port}`]);
        if (!claimed.length) continue;
        const vhost: Fields = { name: `${h}:${port}`, domains: claimed, routes };
        if (server.tls?.httpsRedirect) vhost.require_tls = 'ALL';
        vhosts.push(vhost);
      }
    }
  }
  if (vhosts.length === 0) {
    // Istio's answer when nothing is bound: a 404 rather than an empty (rejected) table.
    vhosts.push({ name: 'blackhole', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }] });
  }
  return { name: gatewayRouteName(port), virtual_hosts: vhosts, validate_clusters: bool(false) };
}
