import { EXIT, UsageError, oneOfFlag, type Command } from '../command.js';
import { table, toYaml } from '../output.js';

interface TypeStatus {
  subscribed: string[] | '*';
  sent: string | null;
  acked: string | null;
  lastNack: { version: string; message: string; at: string } | null;
}

interface ProxyStatus {
  id: string;
  type: string;
  variant: string;
  types: Record<string, TypeStatus>;
}

const COLUMNS: [string, string][] = [
  ['CDS', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['LDS', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['EDS', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
  ['RDS', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'],
];

/** Istio's words: SYNCED (acked what was sent), NOT SENT, STALE (sent, not yet acked), NACKED. */
export function syncState(t: TypeStatus | undefined): string {
  if (!t || t.sent === null) return 'NOT SENT';
  if (t.lastNack && t.lastNack.version === t.sent) return 'NACKED';
  return t.acked === t.sent ? 'SYNCED' : 'STALE';
}

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: 'Show which config version each connected proxy has acknowledged',
  usage: 'isthmus proxy-status [--monitoring-address 127.0.0.1:15014] [-o table|json|yaml]',
  examples: ['isthmus proxy-status', 'isthmus proxy-status -o json', 'isthmus proxy-status --monitoring-address 127.0.0.1:25014'],
  options: { 'monitoring-address': { type: 'string' }, output: { type: 'string', short: 'o' } },
  async run(values, _pos, io) {
    const format = oneOfFlag(values, 'output', ['table', 'json', 'yaml'], 'table');
    const address = (values['monitoring-address'] as string | undefined) ?? '127.0.0.1:15014';
    if (!/^[\w.-]+:\d+$/.test(address)) throw new UsageError(`--monitoring-address is HOST:PORT, not "${address}"`);
    let proxies: ProxyStatus[];
    try {
      const res = await fetch(`http://${address}/debug/syncz`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      proxies = (await res.json()) as ProxyStatus[];
    } catch (e) {
      io.err(`error: cannot read http://${address}/debug/syncz (${(e as Error).message}); is the control plane running? (--monitoring-address)`);
      return EXIT.FAILURE;
    }
    if (format === 'json') io.out(JSON.stringify(proxies, null, 2));
    else if (format === 'yaml') io.out(toYaml(proxies));
    else if (proxies.length === 0) io.err('No proxies are connected.');
    else {
      const rows = proxies.map((p) => [p.id, p.type, ...COLUMNS.map(([, url]) => syncState(p.types[url])), p.variant]);
      io.out(table(['NAME', 'TYPE', ...COLUMNS.map(([c]) => c), 'XDS'], rows));
      for (const p of proxies) {
        for (const [url, t] of Object.entries(p.types)) {
          if (t.lastNack) io.out(`${p.id}: ${url.split('.').pop()} NACK of version ${t.lastNack.version} at ${t.lastNack.at}: ${t.lastNack.message}`);
        }
      }
    }
    return EXIT.OK;
  },
};
