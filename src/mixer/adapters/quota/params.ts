// The quota limits memquota and redisquota share (Istio's memquota/redisquota params): a limit
// per quota instance, with overrides for particular dimension values.
import { z } from 'zod';
import { duration, obj } from '../../../api/fields/common.js';

export const RATE_LIMIT_ALGORITHMS = ['FIXED_WINDOW', 'ROLLING_WINDOW'] as const;
export type RateLimitAlgorithm = (typeof RATE_LIMIT_ALGORITHMS)[number];

const override = obj({
  /** Applies when every dimension listed here has this value in the instance. */
  dimensions: z.record(z.string(), z.string()),
  maxAmount: z.number().int().min(0),
  validDuration: duration({ minMs: 1 }).optional(),
});

export const quotaLimit = obj({
  /** The quota instance this limit is for: `name`, `name.namespace` or Istio's `name.instance.namespace`. */
  name: z.string().min(1),
  maxAmount: z.number().int().min(0),
  /** The window: FIXED_WINDOW resets after it; ROLLING_WINDOW counts the last validDuration. */
  validDuration: duration({ minMs: 1 }),
  /** ROLLING_WINDOW granularity; validDuration / 10 when unset. */
  bucketDuration: duration({ minMs: 1 }).optional(),
  rateLimitAlgorithm: z.enum(RATE_LIMIT_ALGORITHMS).optional(),
  overrides: z.array(override).optional(),
}).superRefine((q, ctx) => {
  if ((q.rateLimitAlgorithm ?? 'FIXED_WINDOW') === 'FIXED_WINDOW' && q.bucketDuration !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['bucketDuration'], message: 'bucketDuration applies only to ROLLING_WINDOW', params: { hint: 'remove it, or set rateLimitAlgorithm: ROLLING_WINDOW' } });
  }
});
export type QuotaLimit = z.output<typeof quotaLimit>;

export const quotaLimits = {
  quotas: z.array(quotaLimit).min(1),
  /** How long a dedup id is remembered (default 1s). */
  minDeduplicationDuration: duration({ minMs: 1 }).optional(),
};
