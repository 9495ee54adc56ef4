// OutlierDetection: passive health checking that ejects failing endpoints for a while.
import { z } from 'zod';
import { int32, obj, uint32 } from '../fields/common.js';
import { policyDuration } from './durations.js';

const percentage = z.number().int().min(0).max(100);

export const outlierDetection = obj({
  /** Deprecated: use consecutiveGatewayErrors or consecutive5xxErrors. */
  consecutiveErrors: int32.optional(),
  splitExternalLocalOriginErrors: z.boolean().optional(),
  consecutiveLocalOriginFailures: uint32.optional(),
  consecutiveGatewayErrors: uint32.optional(),
  consecutive5xxErrors: uint32.optional(),
  interval: policyDuration().optional(),
  baseEjectionTime: policyDuration().optional(),
  maxEjectionPercent: percentage.optional(),
  minHealthPercent: percentage.optional(),
}).superRefine((o, ctx) => {
  if ((o.consecutiveLocalOriginFailures ?? 0) > 0 && o.splitExternalLocalOriginErrors !== true) {
    ctx.addIssue({ code: 'custom', path: ['consecutiveLocalOriginFailures'], message: 'consecutiveLocalOriginFailures only counts when splitExternalLocalOriginErrors is true', params: { hint: 'set splitExternalLocalOriginErrors: true, or remove consecutiveLocalOriginFailures' } });
  }
});
export type OutlierDetection = z.infer<typeof outlierDetection>;
