// denier: always answers with the configured status (Istio's denier adapter).
import { z } from 'zod';
import { duration, obj } from '../../../api/fields/common.js';

export const denierParams = obj({
  status: obj({
    /** google.rpc.Code; 7 (PERMISSION_DENIED) when unset. */
    code: z.number().int().min(0).max(16).optional(),
    message: z.string().optional(),
  }).optional(),
  validDuration: duration().optional(),
  validUseCount: z.number().int().min(0).optional(),
});
export type DenierParams = z.output<typeof denierParams>;
