// Connection pools, one per cluster: an HTTP/1.1 keep-alive agent (sockets reused per endpoint,
// as Envoy's per-host pools) and one multiplexed HTTP/2 session per endpoint. Pools outlive
// config updates of their cluster so a weight change does not drop warm connections.
import * as http from 'node:http';
import * as http2 from 'node:http2';

export interface PoolLimits {
  /** Envoy's max_connections, for the whole cluster. */
  maxConnections: number;
  connectTimeoutMs: number;
}

export class ClusterPool {
  readonly agent: http.Agent;
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private closed = false;

  constructor(private limits: PoolLimits) {
    this.agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 1024, scheduling: 'lifo', maxTotalSockets: limits.maxConnections });
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
    const session = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
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
  }
}
