// Reads the Prometheus text exposition format (version 0.0.4) a proxy's `/stats/prometheus`
// serves: one sample per line, `name{label="value",…} value [timestamp]`. Only what the graph
// needs is kept — the caller names the metric families it wants, so a proxy's hundreds of other
// series cost a prefix check each and nothing more.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples whose metric name is in `names` (exact match); comments and other metrics are skipped. */
export function parsePrometheusText(text: string, names: ReadonlySet<string>): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!names.has(name)) continue;
    const sample = parseSample(line, name, nameEnd);
    if (sample) out.push(sample);
  }
  return out;
}

function parseSample(line: string, name: string, at: number): Sample | undefined {
  const labels: Record<string, string> = {};
  let i = at;
  if (line[i] === '{') {
    i++;
    while (i < line.length && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(i, eq).trim();
      let value = '';
      let j = eq + 2;
      // Label values escape only backslash, double quote and newline.
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) {
          j++;
          value += line[j] === 'n' ? '\n' : line[j];
        } else {
          value += line[j];
        }
      }
      if (j >= line.length) return undefined;
      labels[key] = value;
      i = j + 1;
      if (line[i] === ',') i++;
    }
    if (line[i] !== '}') return undefined;
    i++;
  }
  const fields = line.slice(i).trim().split(/\s+/);
  const value = parseValue(fields[0] ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return text === '' || Number.isNaN(n) ? undefined : n;
}
