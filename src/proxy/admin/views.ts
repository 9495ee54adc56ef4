// What the admin endpoints show: the config as the proxy holds it (Envoy's /config_dump shape,
// trimmed), listener states and each cluster's endpoints. A single proxy and the primary of a
// `--concurrency N` proxy both present themselves through AdminView.
import type { ListenerStatus } from '../listener/listener-manager.js';
import type { XdsSnapshot } from '../xds-client/index.js';

export interface AdminView {
  readonly isReady: boolean;
  readonly snapshot: XdsSnapshot;
  listenerStatus(): ListenerStatus[];
  /** Live per-endpoint lines (`cluster::host::field::value`), when this process has them. */
  clusterLines?(): string[];
}

export function configDump(view: AdminView): Record<string, unknown> {
  const s = view.snapshot;
  return {
    versions: s.versions,
    listeners: [...s.listeners.values()].map((l) => l.raw),
    listener_status: view.listenerStatus(),
    routes: [...s.routes.values()].map((r) => r.raw),
    clusters: [...s.clusters.values()].map((c) => c.raw),
    endpoints: [...s.endpoints.entries()].map(([name, a]) => ({ cluster_name: name, endpoints: a.endpoints })),
  };
}

/** Envoy's /clusters text: `cluster::host:port::field::value` per line. */
export function clustersText(view: AdminView): string {
  if (view.clusterLines) return `${view.clusterLines().join('\n')}\n`;
  const s = view.snapshot;
  const lines: string[] = [];
  for (const c of s.clusters.values()) {
    const a = c.edsServiceName === undefined ? c.loadAssignment : s.endpoints.get(c.edsServiceName);
    for (const e of a?.endpoints ?? []) lines.push(`${c.name}::${e.host}:${e.port}::health_flags::${e.health === 'UNKNOWN' || e.health === 'HEALTHY' ? 'healthy' : e.health.toLowerCase()}`);
  }
  return `${lines.join('\n')}\n`;
}

export function proxyAdminView(proxy: {
  readonly isReady: boolean;
  readonly snapshot: XdsSnapshot;
  listeners: { listeners(): ListenerStatus[] };
  clusters: { all(): IterableIterator<{ name: string; pool: { agent: { maxTotalSockets: number } }; describeHosts(): { key: string; healthFlags: string; active: number }[] }> };
}): AdminView {
  return {
    get isReady() {
      return proxy.isReady;
    },
    get snapshot() {
      return proxy.snapshot;
    },
    listenerStatus: () => proxy.listeners.listeners(),
    clusterLines: () => {
      const lines: string[] = [];
      for (const c of proxy.clusters.all()) {
        lines.push(`${c.name}::default_priority::max_connections::${c.pool.agent.maxTotalSockets}`);
        for (const h of c.describeHosts()) {
          lines.push(`${c.name}::${h.key}::health_flags::${h.healthFlags}`);
          lines.push(`${c.name}::${h.key}::rq_active::${h.active}`);
        }
      }
      return lines;
    },
  };
}
