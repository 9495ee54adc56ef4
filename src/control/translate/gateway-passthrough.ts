// Gateway servers with `tls.mode: PASSTHROUGH` (protocol TLS, or HTTPS not terminated here) →
// filter chains chosen by the ClientHello's SNI that forward the still-encrypted connection with
// a tcp_proxy to where the bound VirtualServices' `tls:` routes send it. The gateway holds no
// certificate for these names: the backend terminates TLS itself.
// Per SNI name the first route wins (VirtualServices oldest first, routes and matches in order),
// as Envoy refuses two chains with the same match. AUTO_PASSTHROUGH (multi-network) is not
// translated.
import type { Server } from '../../api/networking/gateway.js';
import type { TLSRoute } from '../../api/networking/virtual-service.js';
import type { GatewayEntry } from '../model/gateway-index.js';
import { resolveGatewayName, type VirtualServiceEntry } from '../model/virtual-service-index.js';
import type { TranslateContext } from './context.js';
import { resolveDestination } from './destination.js';
import { admittedHosts } from './gateway-routes.js';
import { matchAppliesTo } from './match.js';
import { any } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;

const PASSTHROUGH_PROTOCOLS = new Set(['TLS', 'HTTPS']);

/** Servers of the proxy's gateways that pass TLS on `port` through untouched. */
export function passthroughServersOnPort(gateways: readonly GatewayEntry[], port: number): { gateway: GatewayEntry; server: Server }[] {
  const out: { gateway: GatewayEntry; server: Server }[] = [];
  for (const gateway of gateways) {
    for (const server of gateway.spec.servers) {
      if (server.port.number !== port || !PASSTHROUGH_PROTOCOLS.has(server.port.protocol.toUpperCase())) continue;
      // Protobuf's default mode is PASSTHROUGH: a TLS server without `tls` passes through.
      if ((server.tls?.mode ?? 'PASSTHROUGH') === 'PASSTHROUGH') out.push({ gateway, server });
    }
  }
  return out;
}

/** A TcpProxy for a tls route: one cluster, or weighted clusters (zero weights dropped). */
function tcpProxy(ctx: TranslateContext, vs: VirtualServiceEntry, route: TLSRoute, port: number): Fields | undefined {
  const kept = route.route.filter((d, _i, all) => all.length === 1 || d.weight !== 0);
  if (kept.length === 0) return undefined;
  const clusters = kept.map((d) => resolveDestination(ctx, d.destination, vs.namespace, port).cluster);
  const [only] = clusters;
  if (clusters.length === 1 && only !== undefined) return { stat_prefix: only, cluster: only };
  const even = kept.every((d) => !d.weight);
  return {
    stat_prefix: `passthrough_${port}`,
    weighted_clusters: { clusters: clusters.map((name, i) => ({ name, weight: even ? 1 : (kept[i]?.weight ?? 0) })) },
  };
}

/**
 * The passthrough chains of `port`. `taken` holds the SNI names other chains of the listener
 * already match (terminating HTTPS servers); names claimed here are added to it.
 */
export function passthroughChains(ctx: TranslateContext, port: number, taken: Set<string>): Fields[] {
  const out: Fields[] = [];
  for (const { gateway, server } of passthroughServersOnPort(ctx.push.gatewaysFor(ctx.proxy), port)) {
    const site = { gateway: gateway.key, port, proxyLabels: ctx.proxy.labels, proxyNamespace: ctx.proxy.namespace };
    for (const vs of ctx.push.virtualServicesFor(ctx.proxy, gateway.key)) {
      if (admittedHosts(vs.hosts, server, gateway.namespace, vs.namespace).length === 0) continue;
      const resolveGateway = (g: string) => resolveGatewayName(g, vs.namespace);
      for (const route of vs.resource.spec.tls ?? []) {
        for (const m of route.match) {
          // Subnet conditions would need destination-IP chain matches; such a match never applies
          // rather than applying too widely.
          if (m.destinationSubnets?.length || !matchAppliesTo(m, site, vs.gateways, resolveGateway)) continue;
          const names = admittedHosts(m.sniHosts, server, gateway.namespace, vs.namespace).filter((n) => !taken.has(n));
          if (names.length === 0) continue;
          const config = tcpProxy(ctx, vs, route, port);
          if (!config) continue;
          for (const n of names) taken.add(n);
          // `*` takes any TLS connection the more specific chains leave.
          const match = names.includes('*') ? { transport_protocol: 'tls' } : { server_names: [...names].sort() };
          out.push({ filter_chain_match: match, filters: [{ name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, config) }] });
        }
      }
    }
  }
  return out;
}
