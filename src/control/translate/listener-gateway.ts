// Gateway listeners: one per server port of the Gateways that select this proxy. Plain HTTP
// servers share one filter chain; each TLS-terminating (HTTPS) server gets its own, matched by
// SNI, terminating TLS with its certificate from SDS (gateway-tls.ts; ISTIO_MUTUAL: the gateway's
// mesh identity). All HTTP chains on a port use the table `http.<port>`. PASSTHROUGH servers get
// SNI-matched tcp_proxy chains (gateway-passthrough.ts). TCP servers, and TLS-protocol servers
// that terminate, are not translated yet.
import type { TranslateContext } from './context.js';
import { httpServersOnPort } from './gateway-routes.js';
import { authzHcmOptions } from './authz.js';
import { httpFilterChain } from './hcm.js';
import { jwtHcmOptions } from './jwt-authn.js';
import { passthroughChains, passthroughServersOnPort } from './gateway-passthrough.js';
import { downstreamTls, GATEWAY_HANDSHAKE_TIMEOUT, serverSniNames } from './gateway-tls.js';
import { gatewayRouteName } from './names.js';
import { any, socketAddress } from './proto.js';
import { EXT } from './type-urls.js';

type Fields = Record<string, unknown>;

export function gatewayListeners(ctx: TranslateContext): Fields[] {
  const gateways = ctx.push.gatewaysFor(ctx.proxy);
  const ports = [...new Set(gateways.flatMap((g) => g.spec.servers.map((s) => s.port.number)))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Fields[] = [];
  for (const port of ports) {
    const servers = httpServersOnPort(gateways, port);
    const passthrough = passthroughServersOnPort(gateways, port);
    if (servers.length === 0 && passthrough.length === 0) continue;
    const hcm = { ...jwtHcmOptions(ctx), ...authzHcmOptions(ctx), kind: ctx.kind, statPrefix: `outbound_0.0.0.0_${port}`, rds: gatewayRouteName(port), useRemoteAddress: true };
    const chains: Fields[] = [];
    const seen = new Set<string>();
    let plain = false;
    for (const { server } of servers) {
      if (server.port.protocol.toUpperCase() !== 'HTTPS') {
        plain = true;
        continue;
      }
      const names = serverSniNames(server);
      const key = names.join(',');
      if (seen.has(key)) continue; // Envoy rejects two chains with the same match
      seen.add(key);
      const match: Fields = names.length ? { server_names: names, transport_protocol: 'tls' } : { transport_protocol: 'tls' };
      chains.push(httpFilterChain(hcm, {
        filter_chain_match: match,
        transport_socket: downstreamTls(server.tls ?? {}),
        transport_socket_connect_timeout: GATEWAY_HANDSHAKE_TIMEOUT,
      }));
    }
    if (plain) chains.push(httpFilterChain(hcm));
    const sniChains = passthroughChains(ctx, port, new Set(servers.flatMap(({ server }) => server.port.protocol.toUpperCase() === 'HTTPS' ? serverSniNames(server) : [])));
    chains.push(...sniChains);
    // Envoy rejects a listener without chains: a passthrough port no route binds is left out.
    if (chains.length === 0) continue;
    const bind = [...servers, ...passthrough].find((s) => s.server.bind)?.server.bind ?? '0.0.0.0';
    const listener: Fields = { name: `${bind}_${port}`, address: socketAddress(bind, port), traffic_direction: 'OUTBOUND', filter_chains: chains };
    // SNI and transport matching need the TLS inspector to read the ClientHello first.
    if (seen.size || sniChains.length) listener.listener_filters = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: any(EXT.TLS_INSPECTOR) }];
    out.push(listener);
  }
  return out;
}
