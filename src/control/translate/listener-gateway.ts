// Gateway listeners: one per server port of the Gateways that select this proxy. Plain HTTP
// servers share one filter chain; each TLS-terminating (HTTPS) server gets its own, matched by
// SNI, with its certificate from SDS. All HTTP chains on a port use the table `http.<port>`.
// TLS passthrough and TCP servers are not translated yet.
import type { Server } from '../../api/networking/gateway.js';
import type { TranslateContext } from './context.js';
import { httpServersOnPort } from './gateway-routes.js';
import { httpFilterChain } from './hcm.js';
import { gatewayRouteName } from './names.js';
import { adsConfigSource, any, bool, socketAddress } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;

function sds(name: string): Fields {
  return { name, sds_config: adsConfigSource() };
}

function downstreamTls(server: Server): Fields {
  const tls = server.tls;
  const cert = tls?.credentialName ? `kubernetes://${tls.credentialName}` : `file-cert:${tls?.serverCertificate ?? ''}~${tls?.privateKey ?? ''}`;
  const common: Fields = { tls_certificate_sds_secret_configs: [sds(tls?.mode === 'ISTIO_MUTUAL' ? 'default' : cert)], alpn_protocols: ['h2', 'http/1.1'] };
  const context: Fields = { common_tls_context: common };
  if (tls?.mode === 'MUTUAL' || tls?.mode === 'ISTIO_MUTUAL' || tls?.mode === 'OPTIONAL_MUTUAL') {
    const root = tls.mode === 'ISTIO_MUTUAL' ? 'ROOTCA' : tls.credentialName ? `kubernetes://${tls.credentialName}-cacert` : `file-root:${tls.caCertificates ?? ''}`;
    common.validation_context_sds_secret_config = sds(root);
    context.require_client_certificate = bool(tls.mode !== 'OPTIONAL_MUTUAL');
  }
  return { name: FILTER.TLS, typed_config: any(EXT.DOWNSTREAM_TLS, context) };
}

function sniNames(server: Server): string[] {
  return server.hosts.map((h) => h.slice(h.indexOf('/') + 1)).filter((h) => h !== '*');
}

export function gatewayListeners(ctx: TranslateContext): Fields[] {
  const gateways = ctx.push.gatewaysFor(ctx.proxy);
  const ports = [...new Set(gateways.flatMap((g) => g.spec.servers.map((s) => s.port.number)))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Fields[] = [];
  for (const port of ports) {
    const servers = httpServersOnPort(gateways, port);
    if (servers.length === 0) continue;
    const hcm = { kind: ctx.kind, statPrefix: `outbound_0.0.0.0_${port}`, rds: gatewayRouteName(port), useRemoteAddress: true };
    const chains: Fields[] = [];
    const seen = new Set<string>();
    let plain = false;
    for (const { server } of servers) {
      if (server.port.protocol.toUpperCase() !== 'HTTPS') {
        plain = true;
        continue;
      }
      const names = sniNames(server);
      const key = names.slice().sort().join(',');
      if (seen.has(key)) continue; // Envoy rejects two chains with the same match
      seen.add(key);
      const match: Fields = names.length ? { server_names: names, transport_protocol: 'tls' } : { transport_protocol: 'tls' };
      chains.push(httpFilterChain(hcm, { filter_chain_match: match, transport_socket: downstreamTls(server) }));
    }
    if (plain) chains.push(httpFilterChain(hcm));
    const bind = servers.find((s) => s.server.bind)?.server.bind ?? '0.0.0.0';
    const listener: Fields = { name: `${bind}_${port}`, address: socketAddress(bind, port), traffic_direction: 'OUTBOUND', filter_chains: chains };
    // SNI and transport matching need the TLS inspector to read the ClientHello first.
    if (seen.size) listener.listener_filters = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: any(EXT.TLS_INSPECTOR) }];
    out.push(listener);
  }
  return out;
}
