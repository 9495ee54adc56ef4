// Connection pools, one per cluster: an HTTP/1.1 keep-alive agent (sockets reused per endpoint,
// as Envoy's per-host pools) and one multiplexed HTTP/2 session per endpoint. Pools outlive
// config updates of their cluster so a weight change does not drop warm connections. A cluster
// with a TLS transport socket gets an https.Agent and TLS sessions instead (tls-origination.ts);
// when its TLS settings or certificate files change, idle connections are let go and new ones
// use the new material, while requests in flight finish on the connections they have.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { transportFailureReason, type TlsOrigination } from './tls-origination.js';

export interface PoolLimits {
  /** Envoy's max_connections, for the whole cluster. */
  maxConnections: number;
  connectTimeoutMs: number;
}

export class ClusterPool {
  /** Replaced (and the old one retired) when the TLS material changes. */
  agent: http.Agent;
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
    this.limits = limits;
    this.agent.maxTotalSockets = limits.maxConnections;
  }

  get connectTimeoutMs(): number {
    return this.limits.connectTimeoutMs;
  }

  /** Open HTTP/1 sockets plus HTTP/2 sessions, for circuit breaking on max_connections. */
  connectionCount(): number {
    let n = this.sessions.size;
    for (const list of Object.values(this.agent.sockets)) n += list?.length ?? 0;
    for (const list of Object.values(this.agent.freeSockets)) n += list?.length ?? 0;
    return n;
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
  }
}
