// Connection pools, one per cluster: for plaintext HTTP/1.1 an undici Pool per endpoint (keep-alive
// connections reused per host, as Envoy's per-host pools; measured ~1.4–1.6x the requests per CPU
// second of Node's http.Agent in the proxy bench), and one multiplexed HTTP/2 session per
// endpoint. Pools outlive config updates of their cluster so a weight change does not drop warm
// connections. A cluster with a TLS transport socket gets an https.Agent (its verification hooks
// live on Node's TLS sockets) and TLS sessions instead (tls-origination.ts); when its TLS settings
// or certificate files change, idle connections are let go and new ones use the new material,
// while requests in flight finish on the connections they have.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { createRequire } from 'node:module';
import * as tls from 'node:tls';
import type { Pool as UndiciPool } from 'undici';
import { transportFailureReason, type TlsOrigination } from './tls-origination.js';

// undici's Pool module alone: the package root also loads fetch, WebSocket, the cache and mock
// agents, ~1.7 MB of heap a proxy never uses (bench/proxy idle RSS). undici 6 has no exports map,
// so the path is public; its type is the root's.
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
type Pool = UndiciPool;

/** How long an idle upstream HTTP/1.1 connection is kept when the upstream gives no Keep-Alive hint. */
const HTTP1_IDLE_MS = 60_000;

const ignore = (): void => {};

export interface PoolLimits {
  /** Envoy's max_connections, for the whole cluster. */
  maxConnections: number;
  connectTimeoutMs: number;
}

export class ClusterPool {
  /**
   * HTTP/1.1 over TLS. Replaced (and the old one retired) when the TLS material changes. On a
   * plaintext cluster it carries no traffic, only the cluster's max_connections for /clusters.
   */
  agent: http.Agent;
  /**
   * Plaintext HTTP/1.1, by endpoint (host:port). Envoy's max_connections is cluster-wide; undici
   * pools are per origin, so each endpoint's pool gets the whole cluster limit: exact for the
   * usual one-endpoint-busy case, an upper bound of endpoints × limit otherwise.
   */
  private readonly http1Pools = new Map<string, Pool>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  /** Why a session's TLS connection failed, for the access log. */
  private readonly sessionFailures = new WeakMap<http2.ClientHttp2Session, () => string | undefined>();
  private origination: TlsOrigination | undefined;
  private stopListening: (() => void) | undefined;
  private closed = false;

  constructor(private limits: PoolLimits, tls?: TlsOrigination) {
    this.origination = tls;
    this.stopListening = tls?.onChange(() => this.renew());
    this.agent = this.newAgent();
  }

  /** The cluster's upstream TLS; undefined for plaintext. */
  get tls(): TlsOrigination | undefined {
    return this.origination;
  }

  /**
   * Switches the cluster's TLS (a CDS update changed its transport socket). The pool owns the
   * origination from here on and closes the one it replaces; connections made under the old
   * settings are not reused.
   */
  setTls(tls: TlsOrigination | undefined): void {
    if (tls === this.origination) return;
    this.stopListening?.();
    this.origination?.close();
    this.origination = tls;
    this.stopListening = tls?.onChange(() => this.renew());
    this.renew();
  }

  setLimits(limits: PoolLimits): void {
    const changed = limits.maxConnections !== this.limits.maxConnections || limits.connectTimeoutMs !== this.limits.connectTimeoutMs;
    this.limits = limits;
    this.agent.maxTotalSockets = limits.maxConnections;
    // An undici pool's limits are fixed when it is made: new pools from here on.
    if (changed) this.retireHttp1Pools();
  }

  get connectTimeoutMs(): number {
    return this.limits.connectTimeoutMs;
  }

  /** Open HTTP/1 sockets plus HTTP/2 sessions, for circuit breaking on max_connections. */
  connectionCount(): number {
    let n = this.sessions.size;
    for (const pool of this.http1Pools.values()) n += pool.stats.connected;
    for (const list of Object.values(this.agent.sockets)) n += list?.length ?? 0;
    for (const list of Object.values(this.agent.freeSockets)) n += list?.length ?? 0;
    return n;
  }

  /** The endpoint's plaintext HTTP/1.1 pool, made on first use. */
  http1Pool(host: string, port: number): Pool {
    const key = `${host}:${port}`;
    let pool = this.http1Pools.get(key);
    if (pool === undefined) {
      pool = new Pool(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
        connections: this.limits.maxConnections,
        pipelining: 1,
        // The router owns request timeouts (route and per-try); undici's own would cut long responses.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: HTTP1_IDLE_MS,
        connect: { timeout: this.limits.connectTimeoutMs },
      });
      this.http1Pools.set(key, pool);
    }
    return pool;
  }

  /** The endpoint's HTTP/2 session, connecting when there is none or it is going away. */
  session(host: string, port: number): http2.ClientHttp2Session {
    const key = `${host}:${port}`;
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    let session: http2.ClientHttp2Session;
    const origination = this.origination;
    if (origination) {
      // Throws (a connect failure for the caller) when the TLS material could not be loaded.
      const options = origination.connectOptions('h2');
      let tcpConnected = false;
      let failure: string | undefined;
      session = http2.connect(`https://${authority}`, {
        createConnection: () => {
          const socket = tls.connect({ ...options, host, port });
          socket.once('connect', () => (tcpConnected = true));
          socket.once('error', (err) => (failure ??= transportFailureReason(err, tcpConnected)));
          return socket;
        },
      });
      this.sessionFailures.set(session, () => failure);
    } else {
      session = http2.connect(`http://${authority}`);
    }
    session.on('error', () => {});
    const forget = () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.on('close', forget);
    session.on('goaway', forget);
    // An idle session would keep the proxy's event loop alive during drain.
    session.unref();
    this.sessions.set(key, session);
    return session;
  }

  /** Why a session's TLS handshake failed, when it did. */
  sessionFailure(session: http2.ClientHttp2Session): string | undefined {
    return this.sessionFailures.get(session)?.();
  }

  /** Drops the connections of endpoints that left the cluster. */
  retainHosts(keys: ReadonlySet<string>): void {
    for (const [key, pool] of this.http1Pools) {
      if (!keys.has(key)) {
        // Requests in flight finish; the connections close after them.
        pool.close().catch(ignore);
        this.http1Pools.delete(key);
      }
    }
    for (const [key, session] of this.sessions) {
      if (!keys.has(key)) {
        session.close();
        this.sessions.delete(key);
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
    for (const pool of this.http1Pools.values()) pool.destroy().catch(ignore);
    this.http1Pools.clear();
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
    this.stopListening?.();
    this.origination?.close();
  }

  private newAgent(): http.Agent {
    const base = { keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 1024, scheduling: 'lifo' as const, maxTotalSockets: this.limits.maxConnections };
    const origination = this.origination;
    if (!origination || origination.failure !== undefined) return new http.Agent(base);
    const keys = origination.settings?.maxSessionKeys;
    return new https.Agent({ ...base, ...origination.connectOptions('http/1.1'), ...(keys !== undefined ? { maxCachedSessions: keys } : {}) });
  }

  /** New connections from now on; idle ones are closed, busy ones close when their request ends. */
  private renew(): void {
    if (this.closed) return;
    const old = this.agent;
    this.agent = this.newAgent();
    // Node's Agent reads `keepAlive` when a socket comes free (undeclared in @types/node):
    // false makes the retired agent close each busy socket once its request is done.
    (old as http.Agent & { keepAlive: boolean }).keepAlive = false;
    for (const list of Object.values(old.freeSockets)) for (const s of list ?? []) s.destroy();
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.retireHttp1Pools();
  }

  /** Busy connections finish their requests, idle ones close; the next request makes a new pool. */
  private retireHttp1Pools(): void {
    for (const pool of this.http1Pools.values()) pool.close().catch(ignore);
    this.http1Pools.clear();
  }
}
