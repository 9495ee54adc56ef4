// One client per Mixer setup per process: every listener (and every listener update) whose
// filter names the same Mixer shares its channel, cache, quota pools and report batch, as
// Envoy's Mixer filter shares one per worker. Clients live as long as the proxy process.
import { MixerClient, type MixerClientOptions } from './client.js';

const clients = new Map<string, MixerClient>();

export function sharedMixerClient(options: Omit<MixerClientOptions, 'log' | 'now'>, log?: (line: string) => void): MixerClient {
  const key = JSON.stringify(options, Object.keys(options).sort());
  let c = clients.get(key);
  if (!c) clients.set(key, (c = new MixerClient({ ...options, ...(log ? { log } : {}) })));
  return c;
}

/** Every shared client's counters as Prometheus text (one TYPE line per metric). */
export function mixerClientMetricsText(): string {
  const groups = new Map<string, string[]>();
  for (const c of clients.values()) {
    let current: string[] | undefined;
    for (const line of c.stats.prometheus(c.options.checkServer || c.options.reportServer).split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# TYPE')) {
        current = groups.get(line);
        if (!current) groups.set(line, (current = []));
      } else current?.push(line);
    }
  }
  let out = '';
  for (const [type, samples] of groups) out += `${type}\n${samples.join('\n')}\n`;
  return out;
}

/** Sends every client's waiting reports (a proxy shutting down calls this). */
export async function flushMixerClients(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.flush()));
}
