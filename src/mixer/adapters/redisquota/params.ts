// redisquota: quota counted in Redis, so every Mixer replica sharing the server shares the quota.
import { z } from 'zod';
import { obj } from '../../../api/fields/common.js';
import { quotaLimits } from '../quota/params.js';

export const redisquotaParams = obj({
  ...quotaLimits,
  /** host:port, or a redis:// URL. */
  redisServerUrl: z.string().min(1),
  /** Accepted for Istio compatibility; one multiplexed connection serves every request. */
  connectionPoolSize: z.number().int().min(1).optional(),
});
export type RedisquotaParams = z.output<typeof redisquotaParams>;
