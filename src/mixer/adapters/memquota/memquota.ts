// memquota: counters in this process. A fixed window starts at its first allocation and resets
// validDuration later (as redisquota's key expiry does); a rolling window sums the buckets of the
// last validDuration. Dedup ids remember a grant so a retried Check is answered, not charged.
import type { Adapter, AdapterEnv, QuotaArgs, QuotaGrant } from '../adapter.js';
import { dedupMs, grantFrom, resolveLimit, type ResolvedLimit } from '../quota/limits.js';
import type { MemquotaParams } from './params.js';

interface Fixed { start: number; used: number; windowMs: number }
interface Rolling { buckets: Map<number, number> }

const SWEEP_EVERY = 1024;

export function createMemquota(p: MemquotaParams, env: AdapterEnv): Adapter {
  const fixed = new Map<string, Fixed>();
  const rolling = new Map<string, Rolling>();
  const dedup = new Map<string, { grant: QuotaGrant; expires: number }>();
  const dedupTtl = dedupMs(p.minDeduplicationDuration);
  let calls = 0;

  function allocate(l: ResolvedLimit, args: QuotaArgs, now: number): QuotaGrant {
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
  };
}
