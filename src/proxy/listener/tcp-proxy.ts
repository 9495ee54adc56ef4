// envoy.filters.network.tcp_proxy: a raw TCP connection to an endpoint of the named (or
// weighted) cluster, bytes copied both ways until either side closes or the idle timeout passes.
// A cluster with upstream TLS gets a TLS connection (origination): the client's bytes go out
// encrypted, and the upstream counts as reached only once the handshake and verification pass.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { pickWeightedCluster } from '../router/route-match.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import { transportFailureReason } from '../upstream/tls-origination.js';
import { asFields, durationMs, list, reject, wrapped } from '../xds-client/fields.js';

type Fields = Record<string, unknown>;

export const TCP_PROXY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export interface TcpProxyConfig {
  statPrefix: string;
  clusters: { name: string; weight: number }[];
  /** Envoy's default: 1 hour; 0 disables. */
  idleTimeoutMs: number;
}

export interface TcpSessionSummary {
  cluster: string;
  upstreamHost?: string;
  sentBytes: number;
  receivedBytes: number;
  durationMs: number;
  /** UF when the upstream could not be reached, UH with no endpoint. */
  flag?: 'UF' | 'UH' | 'NC';
  /** Why the upstream TLS handshake failed (%UPSTREAM_TRANSPORT_FAILURE_REASON%). */
  upstreamTransportFailureReason?: string;
}

export function readTcpProxy(config: Fields, field: string): TcpProxyConfig {
  const weighted = asFields(config.weighted_clusters);
  let clusters: TcpProxyConfig['clusters'];
  if (typeof config.cluster === 'string' && config.cluster !== '') clusters = [{ name: config.cluster, weight: 1 }];
  else if (weighted) clusters = list(weighted.clusters).map((c) => ({ name: String(c.name ?? ''), weight: Number(c.weight ?? 0) }));
  else reject(`${field}.cluster`, 'tcp_proxy names no cluster (cluster or weighted_clusters)');
  if (clusters.length === 0 || clusters.some((c) => c.name === '')) reject(`${field}.weighted_clusters`, 'has an entry without a cluster name');
  void wrapped;
  return { statPrefix: String(config.stat_prefix ?? ''), clusters, idleTimeoutMs: durationMs(config.idle_timeout) ?? 3_600_000 };
}

export function proxyTcp(
  socket: net.Socket,
  config: TcpProxyConfig,
  clusters: ClusterManager,
  done: (s: TcpSessionSummary) => void,
): void {
  const started = process.hrtime.bigint();
  const name = config.clusters.length === 1 ? config.clusters[0]!.name : pickWeightedCluster(config.clusters, Math.random())!;
  const finish = (summary: Omit<TcpSessionSummary, 'durationMs' | 'cluster'>) =>
    done({ cluster: name, durationMs: Number(process.hrtime.bigint() - started) / 1e6, ...summary });
  const cluster = clusters.get(name);
  if (!cluster) {
    socket.destroy();
    return finish({ sentBytes: 0, receivedBytes: 0, flag: 'NC' });
  }
  const host = cluster.pick({ authority: `${socket.localAddress}:${socket.localPort}` });
  if (!host) {
    socket.destroy();
    return finish({ sentBytes: 0, receivedBytes: 0, flag: 'UH' });
  }
  const origination = cluster.poolFor(host).tls;
  const tlsFailure = origination?.failure;
  if (tlsFailure !== undefined) {
    socket.destroy();
    return finish({ upstreamHost: host.key, sentBytes: 0, receivedBytes: 0, flag: 'UF', upstreamTransportFailureReason: tlsFailure });
  }
  // TCP carries no application protocol of its own: ALPN only when the cluster names one.
  const upstream = origination
    ? tls.connect({ ...origination.connectOptions(undefined), host: host.host, port: host.port })
    : net.connect({ host: host.host, port: host.port, noDelay: true });
  if (origination) upstream.setNoDelay(true);
  let connected = false;
  let tcpConnected = false;
  let failureReason: string | undefined;
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.pool.connectTimeoutMs);
  upstream.once('connect', () => (tcpConnected = true));
  upstream.once(origination ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  if (origination) upstream.once('error', (err) => {
    if (!connected) failureReason = transportFailureReason(err, tcpConnected);
  });
  if (config.idleTimeoutMs > 0) {
    socket.setTimeout(config.idleTimeoutMs, () => socket.destroy());
    upstream.setTimeout(config.idleTimeoutMs, () => upstream.destroy());
  }
  let reported = false;
  const close = () => {
    if (reported) return;
    reported = true;
    clearTimeout(connectTimer);
    socket.destroy();
    upstream.destroy();
    // Bytes received from the downstream client, and sent back to it.
    finish({
      upstreamHost: host.key, receivedBytes: socket.bytesRead, sentBytes: socket.bytesWritten,
      ...(connected ? {} : { flag: 'UF' as const }),
      ...(failureReason !== undefined ? { upstreamTransportFailureReason: failureReason } : {}),
    });
  };
  socket.on('error', close);
  socket.on('close', close);
  upstream.on('error', close);
  upstream.on('close', close);
}
