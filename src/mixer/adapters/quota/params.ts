// The quota limits memquota and redisquota share (Istio's memquota/redisquota params): a limit
// per quota instance, with overrides for particular dimension values. A limit with a
// validDuration is a rate quota (maxAmount per window); one without (or "0s") is an allocation
// quota, as in Istio: what Check grants stays allocated until a Release gives it back, so
// maxAmount bounds what is in use at once (e.g. requests in flight).
import { z } from 'zod';
import { duration, obj } from '../../../api/fields/common.js';
import { parseDuration } from '../../../api/fields/duration.js';

export const RATE_LIMIT_ALGORITHMS = ['FIXED_WINDOW', 'ROLLING_WINDOW'] as const;
export type RateLimitAlgorithm = (typeof RATE_LIMIT_ALGORITHMS)[number];

const override = obj({
  /** Applies when every dimension listed here has this value in the instance. */
  dimensions: z.record(z.string(), z.string()),
  maxAmount: z.number().int().min(0),
  /** Unset: the quota's own; "0s": an allocation limit even when the quota is a rate one. */
  validDuration: duration({ minMs: 0 }).optional(),
});

export const quotaLimit = obj({
  /** The quota instance this limit is for: `name`, `name.namespace` or Istio's `name.instance.namespace`. */
  name: z.string().min(1),
  maxAmount: z.number().int().min(0),
  /** The window: FIXED_WINDOW resets after it; ROLLING_WINDOW counts the last validDuration. Unset or "0s": an allocation quota. */
  validDuration: duration({ minMs: 0 }).optional(),
  /** ROLLING_WINDOW granularity; validDuration / 10 when unset. */
  bucketDuration: duration({ minMs: 1 }).optional(),
  rateLimitAlgorithm: z.enum(RATE_LIMIT_ALGORITHMS).optional(),
  overrides: z.array(override).optional(),
}).superRefine((q, ctx) => {
  if ((q.rateLimitAlgorithm ?? 'FIXED_WINDOW') === 'FIXED_WINDOW' && q.bucketDuration !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bucketDuration'], message: 'bucketDuration applies only to ROLLING_WINDOW', params: { hint: 'remove it, or set rateLimitAlgorithm: ROLLING_WINDOW' } });
  }
  if (q.rateLimitAlgorithm !== 'ROLLING_WINDOW') return;
  // A rolling window is a rate: it has nothing to count over without a duration, and an
  // allocation (held until released) cannot roll.
  if (!windowMs(q.validDuration)) {
    ctx.addIssue({ code: 'custom', path: ['validDuration'], message: 'ROLLING_WINDOW needs a validDuration (the window it counts over)', params: { hint: 'set validDuration (e.g. "1s"), or remove rateLimitAlgorithm to make an allocation quota (held until released)' } });
  }
  q.overrides?.forEach((o, i) => {
    if (o.validDuration !== undefined && !windowMs(o.validDuration)) {
      ctx.addIssue({ code: 'custom', path: ['overrides', i, 'validDuration'], message: `validDuration "${o.validDuration}" makes an allocation limit, which a ROLLING_WINDOW quota cannot have`, params: { hint: 'give the override a window (e.g. "1s") or leave validDuration out to use the quota\'s' } });
    }
  });
});

/** A validDuration as a window in ms; 0 (an allocation quota) when unset or zero. */
export function windowMs(validDuration: string | undefined): number {
  return validDuration === undefined ? 0 : (parseDuration(validDuration) ?? 0);
}
export type QuotaLimit = z.output<typeof quotaLimit>;

export const quotaLimits = {
  quotas: z.array(quotaLimit).min(1),
  /** How long a dedup id is remembered (default 1s). */
  minDeduplicationDuration: duration({ minMs: 1 }).optional(),
};
