// Picks the limit that applies to one quota instance: the quota entry naming the instance, then
// the first override whose dimensions all equal the instance's. Also the key a counter is kept
// under, so equal dimensions share a counter whatever order they were written in.
import { parseDuration } from '../../../api/fields/duration.js';
import { valueText } from '../../expr/values.js';
import type { Instance } from '../adapter.js';
import { refMatches } from '../refs.js';
import { windowMs as windowOf, type QuotaLimit, type RateLimitAlgorithm } from './params.js';

/** How a limit counts: a rate per window, or ALLOCATION (held until released; no window). */
export type QuotaAlgorithm = RateLimitAlgorithm | 'ALLOCATION';

export interface ResolvedLimit {
  quota: string;
  maxAmount: number;
  /** 0 for ALLOCATION. */
  windowMs: number;
  bucketMs: number;
  algorithm: QuotaAlgorithm;
  /** Stable identity of the counter: quota name plus sorted dimensions. */
  key: string;
}

export function resolveLimit(limits: readonly QuotaLimit[], instance: Instance): ResolvedLimit | undefined {
  const q = limits.find((l) => refMatches(l.name, instance.name, instance.namespace));
  if (!q) return undefined;
  const dims: Record<string, string> = {};
  const raw = (instance.fields.dimensions ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) dims[k] = valueText(v as never);
  const o = q.overrides?.find((ov) => Object.entries(ov.dimensions).every(([k, v]) => dims[k] === v));
  // An override's own validDuration wins (its "0s" makes an allocation limit); unset, the quota's.
  const windowMs = windowOf(o?.validDuration ?? q.validDuration);
  const algorithm: QuotaAlgorithm = windowMs === 0 ? 'ALLOCATION' : q.rateLimitAlgorithm ?? 'FIXED_WINDOW';
  const bucketMs = algorithm === 'ROLLING_WINDOW' ? (q.bucketDuration ? (parseDuration(q.bucketDuration) as number) : Math.max(1, Math.floor(windowMs / 10))) : windowMs;
  const sorted = Object.keys(dims).sort().map((k) => [k, dims[k]]);
  return { quota: `${instance.name}.${instance.namespace}`, maxAmount: o?.maxAmount ?? q.maxAmount, windowMs, bucketMs, algorithm, key: `${instance.name}.${instance.namespace}|${JSON.stringify(sorted)}` };
}

/** What to grant from `available`: all asked, what is left (best effort), or nothing. */
export function grantFrom(available: number, amount: number, bestEffort: boolean): number {
  if (available >= amount) return amount;
  return bestEffort ? Math.max(0, available) : 0;
}

export function dedupMs(minDeduplicationDuration: string | undefined): number {
  return minDeduplicationDuration ? (parseDuration(minDeduplicationDuration) as number) : 1000;
}
