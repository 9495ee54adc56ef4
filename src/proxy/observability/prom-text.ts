// Counters and histograms for the per-request hot path, written out in Prometheus text format.
// prom-client re-hashes and re-validates the whole label object on every inc/observe (its
// `labels()` children only bind the object), which for Istio's 25 labels costs more than the
// rest of a request's bookkeeping; here a label set is resolved once to a plain object and an
// update is a field increment.

/** Envoy's default histogram bounds, which Istio's standard histograms use. */
export const ENVOY_DEFAULT_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

export class HistogramCells {
  /** Per-bucket (not cumulative) counts; the last cell is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // A bad measurement must not turn the sum into NaN for good.
    if (!(value >= 0)) value = 0;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** `name_bucket…`, `name_sum`, `name_count` lines for one label set (rendered `a="b",…`). */
  write(out: string[], name: string, labels: string, bounds: readonly number[]): void {
    const sep = labels === '' ? '' : ',';
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push(`${name}_bucket{${labels}${sep}le="${bounds[i]}"} ${cumulative}`);
    }
    cumulative += this.counts[bounds.length]!;
    out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${cumulative}`);
    out.push(`${name}_sum{${labels}} ${this.sum}`);
    out.push(`${name}_count{${labels}} ${this.count}`);
  }
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `name1="v1",name2="v2"` for parallel name/value arrays. */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${names[i]}="${escapeLabelValue(values[i]!)}"`;
  }
  return out;
}

export function header(out: string[], name: string, type: 'counter' | 'histogram', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}
