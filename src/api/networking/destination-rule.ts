// DestinationRule (networking.istio.io): policies for traffic to a service after routing —
// subsets by label, and the traffic policy for the whole service or each subset.
import { z } from 'zod';
import { dns1123Label, hostName, labels, obj, workloadSelector } from '../fields/common.js';
import { exportTo } from './export-to.js';
import { trafficPolicy } from './traffic-policy.js';

export { trafficPolicy, type TrafficPolicy, type PortTrafficPolicy } from './traffic-policy.js';
export { loadBalancerSettings, type LoadBalancerSettings } from './load-balancer.js';
export { connectionPoolSettings, type ConnectionPoolSettings } from './connection-pool.js';
export { outlierDetection, type OutlierDetection } from './outlier-detection.js';
export { clientTlsSettings, type ClientTLSSettings } from './client-tls.js';
export { localityLbSetting, type LocalityLbSetting } from './locality-lb.js';

/** Subset names appear in VirtualService destinations and Envoy cluster names: DNS-1123 labels. */
export const subset = obj({
  name: dns1123Label,
  labels: labels.optional(),
  trafficPolicy: trafficPolicy.optional(),
});
export type Subset = z.infer<typeof subset>;

export const destinationRuleSpec = obj({
  host: hostName,
  trafficPolicy: trafficPolicy.optional(),
  subsets: z.array(subset).optional(),
  exportTo: exportTo().optional(),
  workloadSelector: workloadSelector.optional(),
}).superRefine((dr, ctx) => {
  const names = new Set<string>();
  (dr.subsets ?? []).forEach((s, i) => {
    if (names.has(s.name)) {
      ctx.addIssue({ code: 'custom', path: ['subsets', i, 'name'], message: `subset "${s.name}" is defined twice`, params: { hint: 'subset names must be unique within a DestinationRule' } });
    }
    names.add(s.name);
  });
  // A rule aimed at particular workloads only makes sense where those workloads live.
  if (dr.workloadSelector !== undefined) {
    (dr.exportTo ?? []).forEach((e, i) => {
      if (e === '*' || e === '~') {
        ctx.addIssue({ code: 'custom', path: ['exportTo', i], message: 'a DestinationRule with workloadSelector cannot be exported beyond its own namespace', params: { hint: 'use exportTo: ["."] or remove workloadSelector' } });
      }
    });
    if ((dr.exportTo ?? []).length > 1) {
      ctx.addIssue({ code: 'custom', path: ['exportTo'], message: 'a DestinationRule with workloadSelector can be exported to its own namespace only', params: { hint: 'use exportTo: ["."]' } });
    }
  }
});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;
