// STUB: to be replaced by the full schema of this kind.
import { z } from 'zod';
import { obj } from '../fields/common.js';

export const requestAuthenticationSpec = obj({ placeholder: z.string().optional() });
export type RequestAuthenticationSpecType = z.infer<typeof requestAuthenticationSpec>;
