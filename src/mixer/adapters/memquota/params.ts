// memquota: quota counted in this Mixer's memory (one replica; redisquota shares across replicas).
import type { z } from 'zod';
import { obj } from '../../../api/fields/common.js';
import { quotaLimits } from '../quota/params.js';

export const memquotaParams = obj({ ...quotaLimits });
export type MemquotaParams = z.output<typeof memquotaParams>;
