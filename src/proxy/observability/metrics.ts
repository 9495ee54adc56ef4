// Istio's standard service metrics (istio_requests_total, istio_request_duration_milliseconds,
// istio_request_bytes, istio_response_bytes, istio_tcp_*), with Istio's labels and value
// conventions, computed the way Istio's stats filter does: the reporting proxy fills its own side
// from its workload facts and the other side from metadata exchange, falling back to what the
// cluster name says, and "unknown" where nothing does.
//
// Hot path: a finished stream is turned into its label values, joined into a key, and looked up
// in a map of series; only a new label set renders label text. Exposition walks the series.
import type { Registry } from 'prom-client';
import { parseClusterName, SPECIAL_CLUSTERS } from './cluster-name.js';
import type { CompletedStream, PeerMetadata, StreamObserver, TrafficDirection } from './completed-stream.js';
import { ENVOY_DEFAULT_BUCKETS, HistogramCells, header, renderLabels } from './prom-text.js';
import { responseFlagsString } from './response-flags.js';
import {
  appOf,
  canonicalRevisionOf,
  canonicalServiceOf,
  namespaceOfPrincipal,
  spiffePrincipal,
  versionOf,
  type WorkloadMetadata,
} from './workload.js';

const UNKNOWN = 'unknown';

/** The labels both HTTP and TCP metrics carry, in the order Istio's stats filter adds them. */
const IDENTITY_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
] as const;

export const HTTP_LABEL_NAMES: readonly string[] = [
  ...IDENTITY_LABELS,
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
];

/** TCP metrics have no response code or gRPC status. */
export const TCP_LABEL_NAMES: readonly string[] = [...IDENTITY_LABELS, 'request_protocol', 'response_flags', 'connection_security_policy'];

export interface IstioMetricsOptions {
  /** This proxy's workload: NAMESPACE, WORKLOAD_NAME, LABELS, SERVICE_ACCOUNT, CLUSTER_ID. */
  local: WorkloadMetadata;
  /** SPIFFE trust domain for our principal (default `cluster.local`). */
  trustDomain?: string;
  /** Histogram bounds for the duration (ms) and size (bytes) histograms; default Envoy's. */
  buckets?: readonly number[];
  /** Label sets kept before new ones are dropped (counted in `droppedSeries`); default 10000. */
  maxSeries?: number;
  /** Other metrics (prom-client) to append to `metricsText()`, e.g. the proxy's own. */
  registry?: Registry;
}

/** The facts about a TCP connection that its labels come from. */
export type TcpConnectionFacts = Pick<
  CompletedStream,
  'direction' | 'upstreamCluster' | 'authority' | 'peer' | 'peerPrincipal' | 'tls' | 'upstreamTls' | 'responseFlags' | 'connectionId'
>;

/** A live TCP connection's counters; labels are fixed when it is opened (as Istio fixes them at first report). */
export interface TcpConnectionMetrics {
  /** Records the connection's running totals; only the growth since the last report is added. */
  report(sentTotal: number, receivedTotal: number): void;
  /** Final totals, and the close. Idempotent. */
  close(sentTotal: number, receivedTotal: number): void;
}

interface HttpSeries {
  labels: string;
  requests: number;
  duration: HistogramCells;
  requestBytes: HistogramCells;
  responseBytes: HistogramCells;
}

interface TcpSeries {
  labels: string;
  opened: number;
  closed: number;
  sent: number;
  received: number;
}

/** Our side's label values, fixed for the process. */
interface LocalFacts {
  workload: string;
  canonicalService: string;
  canonicalRevision: string;
  namespace: string;
  principal: string;
  app: string;
  version: string;
  cluster: string;
}

/** The peer's side's label values, computed once per decoded peer object. */
interface PeerFacts {
  /** Small number standing for the peer in the inputs key. */
  id: number;
  workload: string;
  canonicalService: string;
  canonicalRevision: string;
  namespace: string;
  app: string;
  version: string;
  cluster: string;
}

const NO_PEER: PeerFacts = {
  id: 0,
  workload: UNKNOWN,
  canonicalService: UNKNOWN,
  canonicalRevision: 'latest',
  namespace: '',
  app: UNKNOWN,
  version: UNKNOWN,
  cluster: UNKNOWN,
};

export class IstioMetrics implements StreamObserver {
  /** Label sets refused because `maxSeries` was reached. */
  droppedSeries = 0;
  private readonly local: LocalFacts;
  private readonly bounds: readonly number[];
  private readonly maxSeries: number;
  private readonly registry: Registry | undefined;
  private readonly http = new Map<string, HttpSeries>();
  private readonly tcp = new Map<string, TcpSeries>();
  private readonly peers = new WeakMap<PeerMetadata, PeerFacts>();
  private readonly liveTcp = new Map<number, TcpConnectionMetrics>();
  private readonly values: string[] = [];
  // The first-level caches: a short key built from the stream's raw inputs to the series those
  // inputs resolve to, so the usual request neither derives 25 values nor hashes their ~600
  // characters. Different inputs can resolve to one label set; the series maps above stay the
  // single owner of each label set.
  private readonly httpByInputs = new Map<string, HttpSeries>();
  private readonly tcpByInputs = new Map<string, TcpSeries>();
  private nextPeerId = 1;

  constructor(options: IstioMetricsOptions) {
    const w = options.local;
    const trustDomain = options.trustDomain ?? 'cluster.local';
    this.local = {
      workload: w.workloadName || UNKNOWN,
      canonicalService: canonicalServiceOf(w) || UNKNOWN,
      canonicalRevision: canonicalRevisionOf(w),
      namespace: w.namespace || UNKNOWN,
      principal: w.namespace && w.serviceAccount ? spiffePrincipal(trustDomain, w.namespace, w.serviceAccount) : UNKNOWN,
      app: appOf(w) || UNKNOWN,
      version: versionOf(w) || UNKNOWN,
      cluster: w.clusterId || UNKNOWN,
    };
    this.bounds = options.buckets ?? ENVOY_DEFAULT_BUCKETS;
    this.maxSeries = options.maxSeries ?? 10_000;
    this.registry = options.registry;
  }

  /** Records a finished HTTP stream, or a closed TCP connection (see `openTcp`). */
  onComplete(info: CompletedStream): void {
    if (info.protocol === 'TCP') {
      this.completeTcp(info);
      return;
    }
    const grpc = info.grpc === true || info.grpcStatus !== undefined;
    const grpcStatus = grpc && info.grpcStatus !== undefined ? String(info.grpcStatus) : '';
    const flags = responseFlagsString(info.responseFlags);
    const inputs = this.inputsKey(info, `${grpc ? 'g' : 'h'}${info.responseCode}\u0001${grpcStatus}\u0001${flags}`);
    let series = this.httpByInputs.get(inputs);
    if (!series) {
      const values = this.identity(info);
      values.push(grpc ? 'grpc' : 'http', String(info.responseCode), grpcStatus, flags, securityPolicy(info));
      series = this.httpSeries(values);
      if (!series) return;
      remember(this.httpByInputs, inputs, series, this.maxSeries);
    }
    series.requests++;
    series.duration.observe(info.durationMs);
    series.requestBytes.observe(info.requestBytes);
    series.responseBytes.observe(info.responseBytes);
  }

  /**
   * Counts a TCP connection as opened now and returns its live counters. When such a connection
   * later reaches `onComplete` with the same `connectionId`, its final byte counts close it; a
   * TCP `onComplete` without a live entry counts open, bytes and close at once.
   */
  openTcp(facts: TcpConnectionFacts): TcpConnectionMetrics {
    const series = this.tcpSeries(facts);
    let sent = 0;
    let received = 0;
    let closed = false;
    const id = facts.connectionId;
    const handle: TcpConnectionMetrics = {
      report: (sentTotal, receivedTotal) => {
        if (closed || !series) return;
        if (sentTotal > sent) series.sent += sentTotal - sent;
        if (receivedTotal > received) series.received += receivedTotal - received;
        sent = Math.max(sent, sentTotal);
        received = Math.max(received, receivedTotal);
      },
      close: (sentTotal, receivedTotal) => {
        if (closed) return;
        handle.report(sentTotal, receivedTotal);
        closed = true;
        if (series) series.closed++;
        if (id !== undefined && this.liveTcp.get(id) === handle) this.liveTcp.delete(id);
      },
    };
    if (series) series.opened++;
    if (id !== undefined) this.liveTcp.set(id, handle);
    return handle;
  }

  private completeTcp(info: CompletedStream): void {
    const live = info.connectionId !== undefined ? this.liveTcp.get(info.connectionId) : undefined;
    if (live) {
      live.close(info.responseBytes, info.requestBytes);
      return;
    }
    const series = this.tcpSeries(info);
    if (!series) return;
    series.opened++;
    series.sent += info.responseBytes;
    series.received += info.requestBytes;
    series.closed++;
  }

  private tcpSeries(facts: TcpConnectionFacts): TcpSeries | undefined {
    const flags = responseFlagsString(facts.responseFlags);
    const inputs = this.inputsKey(facts, flags);
    const cached = this.tcpByInputs.get(inputs);
    if (cached) return cached;
    const values = this.identity(facts);
    values.push('tcp', flags, securityPolicy(facts));
    const key = values.join('\u0001');
    let series = this.tcp.get(key);
    if (!series) {
      if (this.http.size + this.tcp.size >= this.maxSeries) {
        this.droppedSeries++;
        return undefined;
      }
      series = { labels: renderLabels(TCP_LABEL_NAMES, values), opened: 0, closed: 0, sent: 0, received: 0 };
      this.tcp.set(key, series);
    }
    remember(this.tcpByInputs, inputs, series, this.maxSeries);
    return series;
  }

  /** Everything the identity labels are derived from, plus `tail` (the per-metric-kind inputs). */
  private inputsKey(info: TcpConnectionFacts, tail: string): string {
    const peerId = info.peer ? this.peerFacts(info.peer).id : 0;
    const cluster = info.upstreamCluster ?? '';
    // The Host header only matters on the client side, and only when the cluster names no service.
    const authority = !isServerSide(info.direction) && !clusterNamesService(cluster) ? (info.authority ?? '') : '';
    return `${info.direction}\u0001${cluster}\u0001${authority}\u0001${peerId}\u0001${info.peerPrincipal ?? ''}\u0001${info.tls ? 1 : 0}${info.upstreamTls ? 1 : 0}\u0001${tail}`;
  }

  private httpSeries(values: string[]): HttpSeries | undefined {
    const key = values.join('\u0001');
    let series = this.http.get(key);
    if (!series) {
      if (this.http.size + this.tcp.size >= this.maxSeries) {
        this.droppedSeries++;
        return undefined;
      }
      series = {
        labels: renderLabels(HTTP_LABEL_NAMES, values),
        requests: 0,
        duration: new HistogramCells(this.bounds),
        requestBytes: new HistogramCells(this.bounds),
        responseBytes: new HistogramCells(this.bounds),
      };
      this.http.set(key, series);
    }
    return series;
  }

  /** The 20 reporter/source/destination values for a stream, in IDENTITY_LABELS order (reuses one array). */
  private identity(info: TcpConnectionFacts): string[] {
    const peer = info.peer ? this.peerFacts(info.peer) : NO_PEER;
    const peerNamespace = (info.peerPrincipal && namespaceOfPrincipal(info.peerPrincipal)) || peer.namespace || UNKNOWN;
    const peerPrincipal = info.peerPrincipal || UNKNOWN;
    const local = this.local;
    const v = this.values;
    v.length = 0;
    if (isServerSide(info.direction)) {
      const service = inboundService(info.upstreamCluster, local.canonicalService);
      v.push(
        'destination',
        peer.workload,
        peer.canonicalService,
        peer.canonicalRevision,
        peerNamespace,
        peerPrincipal,
        peer.app,
        peer.version,
        peer.cluster,
        local.workload,
        local.namespace,
        info.tls ? local.principal : UNKNOWN,
        local.app,
        local.version,
        service.host,
        local.canonicalService,
        local.canonicalRevision,
        service.name,
        local.namespace,
        local.cluster,
      );
    } else {
      const service = outboundService(info.upstreamCluster, info.authority);
      v.push(
        'source',
        local.workload,
        local.canonicalService,
        local.canonicalRevision,
        local.namespace,
        info.upstreamTls ? local.principal : UNKNOWN,
        local.app,
        local.version,
        local.cluster,
        peer.workload,
        peerNamespace,
        peerPrincipal,
        peer.app,
        peer.version,
        service.host,
        peer.canonicalService,
        peer.canonicalRevision,
        service.name,
        peerNamespace !== UNKNOWN ? peerNamespace : service.namespace,
        peer.cluster,
      );
    }
    return v;
  }

  private peerFacts(peer: PeerMetadata): PeerFacts {
    let facts = this.peers.get(peer);
    if (!facts) {
      facts = {
        id: this.nextPeerId++,
        workload: peer.workloadName || UNKNOWN,
        canonicalService: canonicalServiceOf(peer) || UNKNOWN,
        canonicalRevision: canonicalRevisionOf(peer),
        namespace: peer.namespace || '',
        app: appOf(peer) || UNKNOWN,
        version: versionOf(peer) || UNKNOWN,
        cluster: peer.clusterId || UNKNOWN,
      };
      this.peers.set(peer, facts);
    }
    return facts;
  }

  /** Prometheus text exposition (format 0.0.4) of the Istio metrics, then the extra registry's. */
  async metricsText(): Promise<string> {
    const out: string[] = [];
    const bounds = this.bounds;
    if (this.http.size > 0) {
      header(out, 'istio_requests_total', 'counter', 'Requests handled by the proxy.');
      for (const s of this.http.values()) out.push(`istio_requests_total{${s.labels}} ${s.requests}`);
      header(out, 'istio_request_duration_milliseconds', 'histogram', 'Request durations in milliseconds.');
      for (const s of this.http.values()) s.duration.write(out, 'istio_request_duration_milliseconds', s.labels, bounds);
      header(out, 'istio_request_bytes', 'histogram', 'HTTP request body sizes in bytes.');
      for (const s of this.http.values()) s.requestBytes.write(out, 'istio_request_bytes', s.labels, bounds);
      header(out, 'istio_response_bytes', 'histogram', 'HTTP response body sizes in bytes.');
      for (const s of this.http.values()) s.responseBytes.write(out, 'istio_response_bytes', s.labels, bounds);
    }
    if (this.tcp.size > 0) {
      const counters: Array<[string, string, (s: TcpSeries) => number]> = [
        ['istio_tcp_sent_bytes_total', 'Bytes sent during response on TCP connections.', (s) => s.sent],
        ['istio_tcp_received_bytes_total', 'Bytes received during request on TCP connections.', (s) => s.received],
        ['istio_tcp_connections_opened_total', 'TCP connections opened.', (s) => s.opened],
        ['istio_tcp_connections_closed_total', 'TCP connections closed.', (s) => s.closed],
      ];
      for (const [name, help, read] of counters) {
        header(out, name, 'counter', help);
        for (const s of this.tcp.values()) out.push(`${name}{${s.labels}} ${read(s)}`);
      }
    }
    let text = out.length > 0 ? `${out.join('\n')}\n` : '';
    if (this.registry) text += await this.registry.metrics();
    return text;
  }

  /** The Content-Type to serve `metricsText()` with. */
  get contentType(): string {
    return 'text/plain; version=0.0.4; charset=utf-8';
  }

  /** Number of distinct label sets held. */
  get seriesCount(): number {
    return this.http.size + this.tcp.size;
  }
}

/** Caches an inputs key; the cache is emptied when it grows well past the series it can point to. */
function remember<T>(cache: Map<string, T>, key: string, series: T, maxSeries: number): void {
  if (cache.size >= maxSeries * 4) cache.clear();
  cache.set(key, series);
}

function clusterNamesService(cluster: string): boolean {
  return cluster !== '' && !SPECIAL_CLUSTERS.has(cluster) && !!parseClusterName(cluster)?.host;
}

function isServerSide(direction: TrafficDirection): boolean {
  return direction === 'inbound';
}

/** Istio: mutual_tls/none on the server side (both certificates present), unknown on the client side. */
function securityPolicy(info: Pick<CompletedStream, 'direction' | 'tls' | 'peerPrincipal'>): string {
  if (!isServerSide(info.direction)) return UNKNOWN;
  return info.tls && info.peerPrincipal ? 'mutual_tls' : 'none';
}

interface ServiceLabels {
  host: string;
  name: string;
  namespace: string;
}

/** destination_service(_name/_namespace) on the client side: the cluster's service, else the Host header. */
function outboundService(cluster: string | undefined, authority: string | undefined): ServiceLabels {
  if (cluster) {
    if (SPECIAL_CLUSTERS.has(cluster)) return { host: authority || UNKNOWN, name: cluster, namespace: UNKNOWN };
    const parsed = parseClusterName(cluster);
    if (parsed && parsed.host) return { host: parsed.host, name: parsed.name, namespace: parsed.namespace ?? UNKNOWN };
  }
  return { host: authority || UNKNOWN, name: authority || UNKNOWN, namespace: UNKNOWN };
}

/** On the server side Istio does not trust the Host header: the cluster's service, else our canonical service. */
function inboundService(cluster: string | undefined, canonicalService: string): ServiceLabels {
  if (cluster) {
    if (SPECIAL_CLUSTERS.has(cluster)) return { host: canonicalService, name: cluster, namespace: UNKNOWN };
    const parsed = parseClusterName(cluster);
    if (parsed && parsed.host) return { host: parsed.host, name: parsed.name, namespace: UNKNOWN };
  }
  return { host: canonicalService, name: canonicalService, namespace: UNKNOWN };
}
