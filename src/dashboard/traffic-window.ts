// Rates from successive scrapes. Each proxy's counters only ever grow (until it restarts), so
// the traffic between two scrapes is the difference; the window keeps those differences for the
// last `windowMs` and turns them into per-second rates, error ratios and a p99 per edge.
//
// Differences are taken scrape to scrape, not first-to-last, so a proxy that restarts inside the
// window (its counters start again at zero) loses one interval, not the whole window.
import type { EdgeSeries } from './edge-series.js';
import { histogramQuantile } from './quantile.js';
import type { NodeRef } from './workload-ref.js';

/** What one edge carried during one interval of one proxy. */
interface EdgeIncrease {
  source: NodeRef;
  target: NodeRef;
  requests: number;
  errors: number;
  /** Requests the destination's proxy saw, and how many of them arrived over mutual TLS. */
  reached: number;
  mutualTls: number;
  codes: Map<string, number>;
  /** Per-bucket increases (not cumulative) by upper bound. */
  buckets: Map<number, number>;
}

interface Interval {
  from: number;
  to: number;
  edges: Map<string, EdgeIncrease>;
}

interface TargetState {
  lastAt: number;
  last: Map<string, EdgeSeries>;
  intervals: Interval[];
}

export interface EdgeRates {
  source: NodeRef;
  target: NodeRef;
  requestsPerSecond: number;
  /** 5xx responses per second. */
  errorsPerSecond: number;
  /** errors / requests, 0…1 (0 without traffic). */
  errorRatio: number;
  /** Per response code, requests per second. */
  responseCodes: Record<string, number>;
  /** Of the requests that reached the destination, the share over mutual TLS (null: none reached). */
  mutualTlsRatio: number | null;
  /** 99th percentile of request duration in ms, from the histogram (null without samples). */
  p99Ms: number | null;
}

export class TrafficWindow {
  private readonly targets = new Map<string, TargetState>();

  constructor(private readonly windowMs: number) {}

  /** A scrape of proxy `target` taken at `at` (ms). The first scrape of a target is the baseline. */
  observe(target: string, at: number, series: Map<string, EdgeSeries>): void {
    const state = this.targets.get(target);
    if (!state) {
      this.targets.set(target, { lastAt: at, last: series, intervals: [] });
      return;
    }
    if (at <= state.lastAt) return;
    state.intervals.push({ from: state.lastAt, to: at, edges: increases(state.last, series) });
    state.last = series;
    state.lastAt = at;
    this.trim(state, at);
  }

  /** A proxy that went away: its traffic leaves the window with it. */
  forget(target: string): void {
    this.targets.delete(target);
  }

  /** Targets observed so far (scraped at least once and not forgotten). */
  observed(): string[] {
    return [...this.targets.keys()];
  }

  rates(now: number): EdgeRates[] {
    const byEdge = new Map<string, { sum: EdgeSum }>();
    for (const state of this.targets.values()) {
      this.trim(state, now);
      if (state.intervals.length === 0) continue;
      const seconds = (state.intervals[state.intervals.length - 1]!.to - state.intervals[0]!.from) / 1000;
      if (seconds <= 0) continue;
      // Each proxy's increases over its own span, so proxies scraped at different moments add up.
      for (const interval of state.intervals) {
        for (const [key, inc] of interval.edges) {
          let entry = byEdge.get(key);
          if (!entry) byEdge.set(key, (entry = { sum: emptySum(inc.source, inc.target) }));
          addScaled(entry.sum, inc, 1 / seconds);
        }
      }
    }
    return [...byEdge.values()].map(({ sum }) => toRates(sum));
  }

  private trim(state: TargetState, now: number): void {
    while (state.intervals.length > 0 && state.intervals[0]!.to < now - this.windowMs) state.intervals.shift();
  }
}

function edgeKey(s: { source: NodeRef; target: NodeRef }): string {
  return `${s.source.id}\u0000${s.target.id}`;
}

function increases(before: Map<string, EdgeSeries>, after: Map<string, EdgeSeries>): Map<string, EdgeIncrease> {
  const out = new Map<string, EdgeIncrease>();
  for (const [key, now] of after) {
    const was = before.get(key);
    // A counter that went down was reset (the proxy restarted): all it has now is new.
    const reset = was !== undefined && now.requests < was.requests;
    const requests = was && !reset ? now.requests - was.requests : now.requests;
    if (requests <= 0) continue;
    const ek = edgeKey(now);
    let inc = out.get(ek);
    if (!inc) {
      inc = { source: now.source, target: now.target, requests: 0, errors: 0, reached: 0, mutualTls: 0, codes: new Map(), buckets: new Map() };
      out.set(ek, inc);
    }
    inc.requests += requests;
    if (/^5\d\d$/.test(now.responseCode)) inc.errors += requests;
    if (now.reached) {
      inc.reached += requests;
      if (now.mutualTls) inc.mutualTls += requests;
    }
    inc.codes.set(now.responseCode, (inc.codes.get(now.responseCode) ?? 0) + requests);
    addBucketIncreases(inc.buckets, was && !reset ? was.buckets : undefined, now.buckets);
  }
  return out;
}

/** Cumulative buckets before and after → what each bucket (non-cumulative) gained. */
function addBucketIncreases(into: Map<number, number>, before: Map<number, number> | undefined, after: Map<number, number>): void {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  let previousGain = 0;
  for (const bound of bounds) {
    const cumulativeGain = Math.max(0, (after.get(bound) ?? 0) - (before?.get(bound) ?? 0));
    into.set(bound, (into.get(bound) ?? 0) + Math.max(0, cumulativeGain - previousGain));
    previousGain = cumulativeGain;
  }
}

/** The increases of one edge summed over the window: the same fields, added up. */
type EdgeSum = EdgeIncrease;

function emptySum(source: NodeRef, target: NodeRef): EdgeSum {
  return { source, target, requests: 0, errors: 0, reached: 0, mutualTls: 0, codes: new Map(), buckets: new Map() };
}

function addScaled(sum: EdgeSum, inc: EdgeIncrease, perSecond: number): void {
  sum.requests += inc.requests * perSecond;
  sum.errors += inc.errors * perSecond;
  sum.reached += inc.reached;
  sum.mutualTls += inc.mutualTls;
  for (const [code, n] of inc.codes) sum.codes.set(code, (sum.codes.get(code) ?? 0) + n * perSecond);
  for (const [bound, n] of inc.buckets) sum.buckets.set(bound, (sum.buckets.get(bound) ?? 0) + n);
}

function toRates(sum: EdgeSum): EdgeRates {
  const cumulative = new Map<number, number>();
  let running = 0;
  for (const bound of [...sum.buckets.keys()].sort((a, b) => a - b)) {
    running += sum.buckets.get(bound)!;
    cumulative.set(bound, running);
  }
  return {
    source: sum.source,
    target: sum.target,
    requestsPerSecond: sum.requests,
    errorsPerSecond: sum.errors,
    errorRatio: sum.requests > 0 ? sum.errors / sum.requests : 0,
    responseCodes: Object.fromEntries(sum.codes),
    mutualTlsRatio: sum.reached > 0 ? sum.mutualTls / sum.reached : null,
    p99Ms: histogramQuantile(0.99, cumulative) ?? null,
  };
}
