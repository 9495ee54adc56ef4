// envoy.filters.network.tcp_proxy: a raw TCP connection to an endpoint of the named (or
// weighted) cluster, bytes copied both ways until either side closes or the idle timeout passes.
import * as net from 'node:net';
import { pickWeightedCluster } from '../router/route-match.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
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
  const upstream = net.connect({ host: host.host, port: host.port, noDelay: true });
  let connected = false;
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.pool.connectTimeoutMs);
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    socket.pipe(upstream);
    upstream.pipe(socket);
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
    finish({ upstreamHost: host.key, receivedBytes: socket.bytesRead, sentBytes: socket.bytesWritten, ...(connected ? {} : { flag: 'UF' as const }) });
  };
  socket.on('error', close);
  socket.on('close', close);
  upstream.on('error', close);
  upstream.on('close', close);
}
