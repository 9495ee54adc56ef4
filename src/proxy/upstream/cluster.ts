// A cluster as the router uses it: its hosts (kept across EDS updates so in-flight counts and
// ejections survive), the load balancer over them, outlier detection, circuit breakers, the
// connection pool (with its upstream TLS, when the cluster has a transport socket) and the
// upstream protocol. Built from the xDS client's decoded Cluster and updated in place on every
// change of it or its endpoints.
// transport_socket_matches (how auto-mTLS sends ISTIO_MUTUAL to sidecar endpoints and plaintext
// to the rest of one cluster) get a pool each: an endpoint's requests go through the pool of the
// first match its metadata satisfies, else the cluster's own. Pools keep per-endpoint connections
// already, so this only decides which TLS settings an endpoint's connections are made with.
import type { ClusterConfig, EndpointAssignment } from '../xds-client/index.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { systemClock } from './clock.js';
import { reconcileHosts, UpstreamHost } from './host.js';
import { createLoadBalancer, type LoadBalancer } from './lb/index.js';
import { OutlierDetector, type OutlierOutcome } from './outlier.js';
import { ClusterPool } from './pool.js';
import { upstreamProtocol, type UpstreamProtocol } from './protocol.js';
import { matchTransportSocket, readTransportSocketMatches, TlsOrigination, type TransportSocketMatch } from './tls-origination.js';

export interface PickContext {
  /** HTTP-proxy mode passthrough: where the client asked to go. */
  authority: string;
  /** The request's hash (ring hash, maglev), from the route's hash policy. */
  hash?: bigint;
  /** Host-selection retry number (previous_hosts predicate). */
  attempt?: number;
}

export class UpstreamCluster {
  /** The pool of the cluster's own transport_socket. */
  readonly pool: ClusterPool;
  /** One pool per transport_socket_matches entry, in the same order. */
  private matchPools: ClusterPool[] = [];
  private socketMatches: Pick<TransportSocketMatch, 'match'>[] = [];
  protocol: UpstreamProtocol = 'http1';
  breaker: CircuitBreaker;
  /** Whether the cluster has what it needs to serve (an EDS cluster waits for its endpoints). */
  warm = false;
  private hosts: UpstreamHost[] = [];
  private lb: LoadBalancer | undefined;
  private outlier: OutlierDetector | undefined;
  private outlierKey = '';
  private breakerKey = '';
  private tlsKey: string;

  constructor(public config: ClusterConfig, assignment: EndpointAssignment | undefined) {
    this.breaker = CircuitBreaker.fromCluster(config.raw);
    this.tlsKey = transportKey(config);
    this.pool = new ClusterPool({ maxConnections: this.breaker.limit('connections'), connectTimeoutMs: config.connectTimeoutMs }, TlsOrigination.fromCluster(config.raw));
    this.setSocketMatches(config);
    this.update(config, assignment);
  }

  get name(): string {
    return this.config.name;
  }

  update(config: ClusterConfig, assignment: EndpointAssignment | undefined): void {
    this.config = config;
    this.protocol = upstreamProtocol(config.raw);
    const source = config.discovery === 'EDS' ? assignment : config.loadAssignment;
    this.warm = config.discovery !== 'EDS' || assignment !== undefined;
    this.hosts = reconcileHosts(this.hosts, source?.endpoints ?? []);
    // Circuit breakers and outlier detection keep their counts unless their own config changed.
    const breakerKey = JSON.stringify(config.raw.circuit_breakers ?? null);
    if (breakerKey !== this.breakerKey) {
      this.breakerKey = breakerKey;
      this.breaker = CircuitBreaker.fromCluster(config.raw);
    }
    const outlierKey = JSON.stringify(config.raw.outlier_detection ?? null);
    if (outlierKey !== this.outlierKey) {
      this.outlierKey = outlierKey;
      this.outlier?.close();
      this.outlier = OutlierDetector.fromCluster(config.raw, { clock: systemClock, onChange: () => this.rebuild() }, this.hosts);
    } else {
      this.outlier?.setHosts(this.hosts);
    }
    // New TLS settings mean new connections; unchanged ones keep the warm pool.
    const tlsKey = transportKey(config);
    if (tlsKey !== this.tlsKey) {
      this.tlsKey = tlsKey;
      this.pool.setTls(TlsOrigination.fromCluster(config.raw));
      this.setSocketMatches(config);
    }
    const keys = new Set(this.hosts.map((h) => h.key));
    for (const pool of this.pools()) {
      pool.setLimits({ maxConnections: this.breaker.limit('connections'), connectTimeoutMs: config.connectTimeoutMs });
      pool.retainHosts(keys);
    }
    this.rebuild();
  }

  /**
   * The pool for an endpoint: the first transport_socket_matches entry its
   * `envoy.transport_socket_match` metadata satisfies, else the cluster's transport_socket.
   */
  poolFor(host: UpstreamHost): ClusterPool {
    if (this.matchPools.length === 0) return this.pool;
    const i = matchTransportSocket(this.socketMatches, host.socketMatch);
    return i < 0 ? this.pool : this.matchPools[i]!;
  }

  private pools(): ClusterPool[] {
    return [this.pool, ...this.matchPools];
  }

  /** One pool per match, reusing existing pools (which switch TLS) and closing those left over. */
  private setSocketMatches(config: ClusterConfig): void {
    let matches: TransportSocketMatch[] = [];
    try {
      matches = readTransportSocketMatches(config.raw);
    } catch {
      // The cluster was NACKed for it (checkCluster); its own socket's origination reports the failure.
    }
    const limits = { maxConnections: this.breaker.limit('connections'), connectTimeoutMs: config.connectTimeoutMs };
    const pools = matches.map((m, i) => {
      const tls = m.tls ? TlsOrigination.fromSettings(m.tls) : undefined;
      const existing = this.matchPools[i];
      if (!existing) return new ClusterPool(limits, tls);
      existing.setTls(tls);
      return existing;
    });
    for (const surplus of this.matchPools.slice(matches.length)) surplus.close();
    this.matchPools = pools;
    this.socketMatches = matches;
  }

  /** A new balancer over the hosts as they stand (after EDS or an ejection). */
  private rebuild(): void {
    // Original-destination clusters have no hosts to balance: the request names its target.
    this.lb = this.config.discovery === 'ORIGINAL_DST' ? undefined : createLoadBalancer(this.config, this.hosts);
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    if (this.config.discovery === 'ORIGINAL_DST') return originalDestination(ctx.authority);
    return this.lb?.pick({ random: Math.random, ...(ctx.hash !== undefined ? { hash: ctx.hash } : {}), ...(ctx.attempt !== undefined ? { attempt: ctx.attempt } : {}) });
  }

  /** What happened on a try, for outlier detection. */
  report(host: UpstreamHost, outcome: OutlierOutcome): void {
    this.outlier?.report(host, outcome);
  }

  /** Each endpoint's state for /clusters. */
  describeHosts(): { key: string; healthFlags: string; active: number }[] {
    return this.hosts.map((h) => ({
      key: h.key,
      healthFlags: h.outlier.ejected ? '/failed_outlier_check' : h.health === 'UNKNOWN' || h.health === 'HEALTHY' ? 'healthy' : `/${h.health.toLowerCase()}`,
      active: h.active,
    }));
  }

  close(): void {
    this.outlier?.close();
    for (const pool of this.pools()) pool.close();
  }
}

function transportKey(config: ClusterConfig): string {
  return JSON.stringify([config.raw.transport_socket ?? null, config.raw.transport_socket_matches ?? null]);
}

/** Passthrough in HTTP-proxy mode: the destination is the Host the client named (port 80 default). */
function originalDestination(authority: string): UpstreamHost | undefined {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!m) return undefined;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = m[2] === undefined ? 80 : Number(m[2]);
  return new UpstreamHost({ host, port, weight: 1, health: 'HEALTHY', priority: 0, locality: {} });
}
