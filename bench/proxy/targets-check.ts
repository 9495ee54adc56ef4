// The targets for the proxy, checked against one run's rows. They are benchmark
// targets, not tests: a miss is reported with its size, never turned into a failure.
import type { RowResult } from './row.js';

export const TARGET = {
  /** Requests per proxy CPU-second, as a fraction of nginx's. */
  noFiltersVsNginx: 0.5,
  defaultChainVsNginx: 0.35,
  /** p99 at the fixed rate minus direct's p99. */
  p99AddedMs: 1,
  idleRssBytes: 60 * 1024 * 1024,
  /** `--concurrency 2` req/s over one worker's (same chain). */
  concurrencyScale: 1.7,
} as const;

export interface TargetCheck {
  /** The target in words. */
  target: string;
  row: string;
  status: 'met' | 'missed' | 'not measured';
  /** The measured value and, when missed, by how much. */
  detail: string;
}

export function requestsPerCpuSecond(row: RowResult | undefined): number {
  const h = row?.http1;
  return h && h.cpuSeconds !== undefined && h.cpuSeconds > 0 ? h.result.requests / h.cpuSeconds : Number.NaN;
}

export function h2RequestsPerCpuSecond(row: RowResult | undefined): number {
  const h = row?.h2;
  return h && h.cpuSeconds !== undefined && h.cpuSeconds > 0 ? h.result.requests / h.cpuSeconds : Number.NaN;
}

export function p99AddedMs(row: RowResult | undefined, direct: RowResult | undefined): number {
  const a = row?.latency?.p99Ms;
  const b = direct?.latency?.p99Ms;
  return a !== undefined && b !== undefined ? a - b : Number.NaN;
}

const find = (rows: readonly RowResult[], name: string): RowResult | undefined => rows.find((r) => r.name === name);

function notMeasured(target: string, row: RowResult | undefined, name: string, why?: string): TargetCheck {
  const reason = why ?? (row?.unavailable ? `not available: ${row.unavailable}` : row?.error ? `failed: ${row.error}` : row ? 'not measured' : 'row not run');
  return { target, row: name, status: 'not measured', detail: reason };
}

function floor(target: string, name: string, row: RowResult | undefined, value: number, min: number, show: (v: number) => string, why?: string): TargetCheck {
  if (!Number.isFinite(value)) return notMeasured(target, row, name, why);
  if (value >= min) return { target, row: name, status: 'met', detail: show(value) };
  return { target, row: name, status: 'missed', detail: `${show(value)}: missed by ${show(min - value)} (needs ${(min / value).toFixed(1)}× the measured value)` };
}

function ceiling(target: string, name: string, row: RowResult | undefined, value: number, max: number, show: (v: number) => string): TargetCheck {
  if (!Number.isFinite(value)) return notMeasured(target, row, name);
  if (value <= max) return { target, row: name, status: 'met', detail: show(value) };
  return { target, row: name, status: 'missed', detail: `${show(value)}: missed by ${show(value - max)}` };
}

const times = (v: number): string => `${v.toFixed(2)}× nginx`;
const msText = (v: number): string => `${v.toFixed(2)} ms`;
const mbText = (v: number): string => `${(v / 1024 / 1024).toFixed(0)} MB`;

export function checkTargets(rows: readonly RowResult[]): TargetCheck[] {
  const nginx = find(rows, 'nginx');
  const direct = find(rows, 'direct');
  const nginxRate = requestsPerCpuSecond(nginx);
  const noNginx = Number.isFinite(nginxRate) ? undefined : 'nginx row has no CPU measurement';
  const checks: TargetCheck[] = [];
  const noFilters = find(rows, 'isthmus-no-filters');
  const chain = find(rows, 'isthmus-default');
  const c2 = find(rows, 'isthmus-concurrency-2');
  checks.push(floor(`requests per proxy CPU-second ≥ ${TARGET.noFiltersVsNginx} × nginx (no filters)`, 'isthmus-no-filters', noFilters,
    requestsPerCpuSecond(noFilters) / nginxRate, TARGET.noFiltersVsNginx, times, noNginx));
  checks.push(floor(`requests per proxy CPU-second ≥ ${TARGET.defaultChainVsNginx} × nginx (default chain)`, 'isthmus-default', chain,
    requestsPerCpuSecond(chain) / nginxRate, TARGET.defaultChainVsNginx, times, noNginx));
  for (const [name, row] of [['isthmus-no-filters', noFilters], ['isthmus-default', chain], ['isthmus-concurrency-2', c2]] as const) {
    checks.push(ceiling(`p99 added over direct at the fixed rate ≤ ${TARGET.p99AddedMs} ms`, name, row, p99AddedMs(row, direct), TARGET.p99AddedMs, msText));
  }
  for (const [name, row] of [['isthmus-no-filters', noFilters], ['isthmus-default', chain]] as const) {
    checks.push(ceiling(`idle RSS ≤ ${mbText(TARGET.idleRssBytes)}`, name, row, row?.idleRss ?? Number.NaN, TARGET.idleRssBytes, mbText));
  }
  const scale = (c2?.http1?.result.requestsPerSecond ?? Number.NaN) / (chain?.http1?.result.requestsPerSecond ?? Number.NaN);
  checks.push(floor(`\`--concurrency 2\` req/s ≥ ${TARGET.concurrencyScale} × one worker (isthmus-default)`, 'isthmus-concurrency-2', c2, scale, TARGET.concurrencyScale, (v) => `${v.toFixed(2)}× one worker`));
  return checks;
}
