// Sums Prometheus text from several worker processes into one exposition: samples with the
// same name and labels add up (counters, histogram buckets, sums, counts); HELP/TYPE lines are
// kept once. Gauges add up too, which is right for the ones the proxy exports (open
// connections, active requests).
export function mergePrometheusText(texts: readonly string[]): string {
  const meta = new Map<string, string[]>();
  const samples = new Map<string, number>();
  const order: string[] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        const name = line.split(' ')[2] ?? '';
        const lines = meta.get(name) ?? [];
        if (!lines.includes(line)) lines.push(line);
        meta.set(name, lines);
        continue;
      }
      const cut = line.lastIndexOf(' ');
      const key = line.slice(0, cut);
      const value = Number(line.slice(cut + 1));
      if (!samples.has(key)) order.push(key);
      samples.set(key, (samples.get(key) ?? 0) + value);
    }
  }
  const byMetric = new Map<string, string[]>();
  for (const key of order) {
    const name = key.split('{')[0]!.replace(/_(bucket|sum|count|total)$/, '');
    const lines = byMetric.get(name) ?? [];
    lines.push(`${key} ${samples.get(key)}`);
    byMetric.set(name, lines);
  }
  const out: string[] = [];
  const names = new Set([...meta.keys(), ...byMetric.keys()]);
  for (const name of names) {
    out.push(...(meta.get(name) ?? []), ...(byMetric.get(name) ?? []));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
