// Sidecar listeners (which ones exist is outbound-plan.ts's decision).
//  - `127.0.0.1_<proxyHttpPort>`: the HTTP-proxy-mode listener, bound for real, only when the
//    proxy or the mesh sets proxyHttpPort. Apps set HTTP_PROXY to it and the proxy routes by
//    Host with the `http_proxy` table.
//  - `0.0.0.0_<port>`: one per HTTP port of the catch-all egress listener, with
//    `bind_to_port: false` — they describe where captured traffic for that port goes (table
//    `"<port>"`), for transparent capture later.
//  - `<bind>_<port>` for Sidecar egress listeners with a port: listener-egress.ts.
//  - `inbound_<address>_<port>`: the workload's own registered ports, bound on its address and
//    forwarded to the application on loopback through `inbound|<port>||<host>`; for a sidecar
//    with a mesh identity, PeerAuthentication decides its TLS chains (inbound-tls.ts).
import { isHttpLike } from '../../registry/protocol.js';
import type { Endpoint, PortProtocol, Service } from '../../registry/types.js';
import type { TranslateContext } from './context.js';
import { authzHcmOptions } from './authz.js';
import { httpFilterChain } from './hcm.js';
import { jwtHcmOptions } from './jwt-authn.js';
import { mixerHcmOptions, mixerTcpFilters } from './mixer.js';
import { inboundChains, inboundMtlsMode, tlsInspector } from './inbound-tls.js';
import { HTTP_PROXY_ROUTE, OUTBOUND_BIND, clusterName, outboundListenerName, sidecarRouteName } from './names.js';
import { any, bool, socketAddress, u32 } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;

export function httpProxyListener(ctx: TranslateContext, port: number): Fields {
  return {
    name: outboundListenerName(OUTBOUND_BIND, port),
    address: socketAddress(OUTBOUND_BIND, port),
    traffic_direction: 'OUTBOUND',
    filter_chains: [httpFilterChain({ kind: ctx.kind, statPrefix: 'outbound_http_proxy', rds: HTTP_PROXY_ROUTE, absoluteUrls: true })],
  };
}

export function outboundPortListeners(ctx: TranslateContext, ports: readonly number[]): Fields[] {
  return ports.map((port) => ({
    name: outboundListenerName('0.0.0.0', port),
    address: socketAddress('0.0.0.0', port),
    bind_to_port: bool(false),
    traffic_direction: 'OUTBOUND',
    filter_chains: [httpFilterChain({ kind: ctx.kind, statPrefix: `outbound_0.0.0.0_${port}`, rds: sidecarRouteName(port) })],
  }));
}

export interface InboundPort {
  service: Service;
  /** The port the proxy owns on the workload's address. */
  port: number;
  protocol: PortProtocol;
  /** Where the application listens on loopback. */
  appPort: number;
  address: string;
}

/**
 * The proxy's own ports: the registry endpoints that belong to it. The app port comes from node
 * metadata ISTHMUS_APP_PORTS ({portName: number}); without it the app is assumed to listen on the
 * same port number on 127.0.0.1.
 */
export function inboundPorts(ctx: TranslateContext): InboundPort[] {
  // Only a workload that registered itself through its proxy owns endpoints keyed by the proxy id.
  if (!ctx.proxy.registration) return [];
  const appPorts = (ctx.proxy.metadata.ISTHMUS_APP_PORTS ?? {}) as Record<string, number>;
  const out: InboundPort[] = [];
  const seen = new Set<number>();
  const services = new Map(ctx.push.registry.services.map((s) => [`${s.namespace}/${s.hostname}`, s]));
  for (const [key, eps] of ctx.push.registry.endpoints) {
    const service = services.get(key);
    if (!service) continue;
    for (const e of eps as readonly Endpoint[]) {
      if (e.workload !== ctx.proxy.id || seen.has(e.port)) continue;
      seen.add(e.port);
      const sp = service.ports.find((p) => p.port === e.servicePort);
      out.push({ service, port: e.port, protocol: sp?.protocol ?? 'TCP', appPort: appPorts[e.servicePortName] ?? e.port, address: e.address });
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

export function inboundClusterName(p: InboundPort): string {
  return clusterName('inbound', p.port, '', p.service.hostname);
}

export function inboundListener(ctx: TranslateContext, p: InboundPort): Fields {
  const cluster = inboundClusterName(p);
  const chain = isHttpLike(p.protocol)
    ? httpFilterChain({
      ...jwtHcmOptions(ctx),
      ...authzHcmOptions(ctx),
      ...mixerHcmOptions(ctx, p),
      kind: ctx.kind,
      statPrefix: `inbound_${p.port}`,
      routeConfig: {
        name: cluster,
        virtual_hosts: [{ name: `inbound|http|${p.port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: { seconds: 0, nanos: 0 } } }] }],
      },
    })
    : { filters: [...mixerTcpFilters(ctx, p), { name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, { stat_prefix: cluster, cluster }) }] };
  const { chains, inspectsTls } = inboundChains(inboundMtlsMode(ctx, p.port), chain, isHttpLike(p.protocol));
  const listener: Fields = {
    name: `inbound_${p.address}_${p.port}`,
    address: socketAddress(p.address, p.port),
    traffic_direction: 'INBOUND',
    filter_chains: chains,
  };
  if (inspectsTls) listener.listener_filters = [tlsInspector()];
  return listener;
}

export function inboundCluster(p: InboundPort): Fields {
  const name = inboundClusterName(p);
  const cluster: Fields = {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: 10, nanos: 0 },
    load_assignment: { cluster_name: name, endpoints: [{ locality: {}, load_balancing_weight: u32(1), lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', p.appPort) } }] }] },
  };
  if (p.protocol === 'GRPC' || p.protocol === 'HTTP2') {
    cluster.typed_extension_protocol_options = {
      [FILTER.HTTP_PROTOCOL_OPTIONS]: any(EXT.HTTP_PROTOCOL_OPTIONS, { explicit_http_config: { http2_protocol_options: {} } }),
    };
  }
  return cluster;
}
