// A cluster as the router uses it: its endpoints (from EDS or inline), how to pick one, the
// connection pool, and the upstream protocol. Built from the xDS client's decoded Cluster and
// rebuilt on every update of it or its endpoints; the pool survives rebuilds.
import type { ClusterConfig, EndpointAssignment } from '../xds-client/index.js';
import { ClusterPool } from './pool.js';
import { upstreamProtocol, type UpstreamProtocol } from './protocol.js';

export interface PickedHost {
  host: string;
  port: number;
  key: string;
}

export interface PickContext {
  /** HTTP-proxy mode passthrough: where the client asked to go. */
  authority: string;
}

const DEFAULT_MAX_CONNECTIONS = 1024;

export class UpstreamCluster {
  readonly pool: ClusterPool;
  protocol: UpstreamProtocol = 'http1';
  private hosts: PickedHost[] = [];
  private next = 0;

  constructor(public config: ClusterConfig, assignment: EndpointAssignment | undefined) {
    this.pool = new ClusterPool({ maxConnections: DEFAULT_MAX_CONNECTIONS, connectTimeoutMs: config.connectTimeoutMs });
    this.update(config, assignment);
  }

  get name(): string {
    return this.config.name;
  }

  /** Whether the cluster has what it needs to serve (an EDS cluster waits for its endpoints). */
  warm = false;

  update(config: ClusterConfig, assignment: EndpointAssignment | undefined): void {
    this.config = config;
    this.protocol = upstreamProtocol(config.raw);
    const source = config.discovery === 'EDS' ? assignment : config.loadAssignment;
    this.warm = config.discovery !== 'EDS' || assignment !== undefined;
    this.hosts = (source?.endpoints ?? [])
      .filter((e) => e.health !== 'UNHEALTHY' && e.health !== 'DRAINING' && e.health !== 'TIMEOUT')
      .map((e) => ({ host: e.host, port: e.port, key: `${e.host}:${e.port}` }));
    this.pool.setLimits({ maxConnections: DEFAULT_MAX_CONNECTIONS, connectTimeoutMs: config.connectTimeoutMs });
    this.pool.retainHosts(new Set(this.hosts.map((h) => h.key)));
  }

  pick(ctx: PickContext): PickedHost | undefined {
    if (this.config.discovery === 'ORIGINAL_DST') return originalDestination(ctx.authority);
    if (this.hosts.length === 0) return undefined;
    const host = this.hosts[this.next % this.hosts.length];
    this.next = (this.next + 1) % this.hosts.length;
    return host;
  }

  /** Each endpoint's state for /clusters. */
  describeHosts(): { key: string; healthFlags: string; active: number }[] {
    return this.hosts.map((h) => ({ key: h.key, healthFlags: 'healthy', active: 0 }));
  }

  close(): void {
    this.pool.close();
  }
}

/** Passthrough in HTTP-proxy mode: the destination is the Host the client named (port 80 default). */
function originalDestination(authority: string): PickedHost | undefined {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority);
  if (!m) return undefined;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = m[2] === undefined ? 80 : Number(m[2]);
  return { host, port, key: `${host}:${port}` };
}
