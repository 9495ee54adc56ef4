// memquota: counters in this process. A fixed window starts at its first allocation and resets
// validDuration later (as redisquota's key expiry does); a rolling window sums the buckets of the
// last validDuration. An allocation quota (no validDuration) counts what is in use, up by Check
// and down by Release. Dedup ids remember a grant (or a release) so a retry is answered, not
// applied again.
import type { Adapter, AdapterEnv, QuotaArgs, QuotaGrant, ReleaseResult } from '../adapter.js';
import { dedupMs, grantFrom, resolveLimit, type ResolvedLimit } from '../quota/limits.js';
import type { MemquotaParams } from './params.js';

interface Fixed { start: number; used: number; windowMs: number }
interface Rolling { buckets: Map<number, number> }

const SWEEP_EVERY = 1024;

export function createMemquota(p: MemquotaParams, env: AdapterEnv): Adapter {
  const fixed = new Map<string, Fixed>();
  const rolling = new Map<string, Rolling>();
  /** Allocation quotas: amount in use per counter (absent: none). */
  const inUse = new Map<string, number>();
  const dedup = new Map<string, { grant: QuotaGrant; expires: number }>();
  const releaseDedup = new Map<string, { result: ReleaseResult; expires: number }>();
  const dedupTtl = dedupMs(p.minDeduplicationDuration);
  let calls = 0;

  function allocate(l: ResolvedLimit, args: QuotaArgs, now: number): QuotaGrant {
    if (l.algorithm === 'ALLOCATION') {
      const used = inUse.get(l.key) ?? 0;
      const granted = grantFrom(l.maxAmount - used, args.amount, args.bestEffort);
      if (granted > 0) inUse.set(l.key, used + granted);
      return { grantedAmount: granted, validDurationMs: 0, allocation: true };
    }
    if (l.algorithm === 'FIXED_WINDOW') {
      let w = fixed.get(l.key);
      if (!w || now >= w.start + l.windowMs) {
        w = { start: now, used: 0, windowMs: l.windowMs };
        fixed.set(l.key, w);
      }
      const granted = grantFrom(l.maxAmount - w.used, args.amount, args.bestEffort);
      w.used += granted;
      return { grantedAmount: granted, validDurationMs: w.start + l.windowMs - now };
    }
    let r = rolling.get(l.key);
    if (!r) rolling.set(l.key, (r = { buckets: new Map() }));
    const current = Math.floor(now / l.bucketMs);
    const oldest = current - Math.ceil(l.windowMs / l.bucketMs) + 1;
    let used = 0;
    for (const [b, n] of r.buckets) {
      if (b < oldest) r.buckets.delete(b);
      else used += n;
    }
    const granted = grantFrom(l.maxAmount - used, args.amount, args.bestEffort);
    if (granted > 0) r.buckets.set(current, (r.buckets.get(current) ?? 0) + granted);
    return { grantedAmount: granted, validDurationMs: l.bucketMs };
  }

  function sweep(now: number): void {
    for (const [k, d] of dedup) if (d.expires <= now) dedup.delete(k);
    for (const [k, d] of releaseDedup) if (d.expires <= now) releaseDedup.delete(k);
    for (const [k, w] of fixed) if (now >= w.start + w.windowMs) fixed.delete(k);
  }

  return {
    quota(instance, args) {
      const l = resolveLimit(p.quotas, instance);
      // No limit for this instance in this handler: nothing to enforce.
      if (!l) return { grantedAmount: args.amount, validDurationMs: 0 };
      const now = env.now();
      if (++calls % SWEEP_EVERY === 0) sweep(now);
      const dedupKey = args.dedupId ? `${args.dedupId}|${l.key}` : '';
      if (dedupKey) {
        const prior = dedup.get(dedupKey);
        if (prior && prior.expires > now) return prior.grant;
      }
      const grant = allocate(l, args, now);
      if (dedupKey) dedup.set(dedupKey, { grant, expires: now + dedupTtl });
      return grant;
    },
    release(instance, args): ReleaseResult {
      const l = resolveLimit(p.quotas, instance);
      // A window is not given back (Istio's memquota releases allocations only).
      if (!l || l.algorithm !== 'ALLOCATION') return { releasedAmount: 0 };
      const now = env.now();
      if (++calls % SWEEP_EVERY === 0) sweep(now);
      const dedupKey = args.dedupId ? `${args.dedupId}|${l.key}` : '';
      if (dedupKey) {
        const prior = releaseDedup.get(dedupKey);
        if (prior && prior.expires > now) return prior.result;
      }
      const used = inUse.get(l.key) ?? 0;
      const released = Math.max(0, Math.min(used, args.amount));
      if (used - released > 0) inUse.set(l.key, used - released);
      else inUse.delete(l.key);
      const result = { releasedAmount: released };
      if (dedupKey) releaseDedup.set(dedupKey, { result, expires: now + dedupTtl });
      return result;
    },
  };
}
