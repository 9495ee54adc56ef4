// What the admin endpoints show: the config as the proxy holds it (Envoy's /config_dump shape,
// trimmed) and each cluster's endpoints.
import type { Proxy } from '../runtime/proxy.js';

export function configDump(proxy: Proxy): Record<string, unknown> {
  const s = proxy.snapshot;
  return {
    versions: s.versions,
    listeners: [...s.listeners.values()].map((l) => l.raw),
    listener_status: proxy.listeners.listeners(),
    routes: [...s.routes.values()].map((r) => r.raw),
    clusters: [...s.clusters.values()].map((c) => c.raw),
    endpoints: [...s.endpoints.entries()].map(([name, a]) => ({ cluster_name: name, endpoints: a.endpoints })),
  };
}

/** Envoy's /clusters text: `cluster::host:port::field::value` per line. */
export function clustersText(proxy: Proxy): string {
  const lines: string[] = [];
  for (const c of proxy.clusters.all()) {
    lines.push(`${c.name}::default_priority::max_connections::${c.pool.agent.maxTotalSockets}`);
    for (const h of c.describeHosts()) {
      lines.push(`${c.name}::${h.key}::health_flags::${h.healthFlags}`);
      lines.push(`${c.name}::${h.key}::rq_active::${h.active}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
