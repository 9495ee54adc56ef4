// `proxy-config listeners`: one row per filter chain, as istioctl prints them — where the
// listener is, what the chain matches, and where matching traffic goes (a route or a cluster).
import { arr, firstAndMore, obj, str, type Json } from './json.js';
import type { Section } from './section.js';

function address(listener: Json): string {
  const sa = obj(obj(listener.address).socket_address);
  return `${str(sa.address) ?? '?'}:${str(sa.port_value) ?? '?'}`;
}

/** What a filter chain matches; `ALL` when it has no match (Envoy's catch-all chain). */
export function chainMatch(chain: Json): string {
  const m = obj(chain.filter_chain_match);
  const parts: string[] = [];
  if (m.destination_port !== undefined) parts.push(`port ${str(obj(m.destination_port).value) ?? str(m.destination_port)}`);
  const sni = arr(m.server_names).map(str).filter((s): s is string => !!s);
  if (sni.length) parts.push(`SNI: ${sni.join(',')}`);
  if (str(m.transport_protocol)) parts.push(`Trans: ${str(m.transport_protocol)}`);
  const alpn = arr(m.application_protocols).map(str).filter((s): s is string => !!s);
  if (alpn.length) parts.push(`App: ${alpn.join(',')}`);
  const ranges = (key: string) => arr(m[key]).map((r) => `${str(obj(r).address_prefix)}/${str(obj(obj(r).prefix_len).value) ?? str(obj(r).prefix_len) ?? '32'}`);
  if (ranges('prefix_ranges').length) parts.push(`Addr: ${ranges('prefix_ranges').join(',')}`);
  if (ranges('source_prefix_ranges').length) parts.push(`Source: ${ranges('source_prefix_ranges').join(',')}`);
  return parts.length ? parts.join('; ') : 'ALL';
}

/** Where a chain's traffic goes: its HTTP route config, or the TCP proxy's cluster(s). */
export function chainDestination(chain: Json): string {
  for (const f of arr(chain.filters).map(obj)) {
    const name = str(f.name) ?? '';
    const config = obj(f.typed_config);
    if (name.endsWith('http_connection_manager')) {
      const rds = str(obj(config.rds).route_config_name);
      if (rds !== undefined) return `Route: ${rds}`;
      return `Inline Route: ${str(obj(config.route_config).name) ?? '-'}`;
    }
    if (name.endsWith('tcp_proxy')) {
      const cluster = str(config.cluster);
      if (cluster) return `Cluster: ${cluster}`;
      const weighted = arr(obj(config.weighted_clusters).clusters).map((c) => `${str(obj(c).name)} (${str(obj(c).weight) ?? 1})`);
      return `Clusters: ${firstAndMore(weighted)}`;
    }
  }
  return arr(chain.filters).map((f) => str(obj(f).name) ?? '?').join(',') || '-';
}

export const listenersSection: Section = {
  name: 'listeners',
  header: ['NAME', 'ADDRESS:PORT', 'MATCH', 'DESTINATION', 'STATE'],
  needs: [],
  empty: 'The proxy has no listeners.',
  rows({ dump }) {
    const state = new Map(arr(dump.listener_status).map((s) => [str(obj(s).name), obj(s)]));
    return arr(dump.listeners).map(obj).flatMap((l) => {
      const name = str(l.name) ?? '-';
      const s = state.get(name);
      const status = s ? (str(s.state) === 'active' ? 'ACTIVE' : `${(str(s.state) ?? '?').toUpperCase()}${s.detail ? ` (${str(s.detail)})` : ''}`) : '-';
      const chains = [...arr(l.filter_chains).map(obj), ...(l.default_filter_chain ? [obj(l.default_filter_chain)] : [])];
      return (chains.length ? chains : [{}]).map((c) => [name, address(l), chainMatch(c), chainDestination(c), status]);
    });
  },
  raw: ({ dump }) => dump.listeners,
};
