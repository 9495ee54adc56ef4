// The networking API's own WorkloadSelector (`labels`, used by Sidecar and ServiceEntry), which
// differs from the type/v1beta1 one (`matchLabels`) used by DestinationRule and security kinds.
import type { z } from 'zod';
import { labels, obj } from '../fields/common.js';

export const networkingWorkloadSelector = obj({ labels: labels.optional() });
export type NetworkingWorkloadSelector = z.infer<typeof networkingWorkloadSelector>;
