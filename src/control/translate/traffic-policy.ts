// The traffic policy that applies to one cluster: the DestinationRule's top-level policy,
// overridden by its port-level settings for the port, then by the subset's policy and the
// subset's port-level settings (Istio's MergeTrafficPolicy, field by field).
import type { DestinationRuleSpec, TrafficPolicy } from '../../api/networking/destination-rule.js';

export interface EffectivePolicy {
  loadBalancer?: TrafficPolicy['loadBalancer'];
  connectionPool?: TrafficPolicy['connectionPool'];
  outlierDetection?: TrafficPolicy['outlierDetection'];
  tls?: TrafficPolicy['tls'];
}

const FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;

function overlay(base: EffectivePolicy, policy: TrafficPolicy | undefined, port: number): EffectivePolicy {
  if (!policy) return base;
  const out: EffectivePolicy = { ...base };
  for (const f of FIELDS) if (policy[f] !== undefined) (out as Record<string, unknown>)[f] = policy[f];
  const portLevel = policy.portLevelSettings?.find((p) => p.port.number === port);
  if (portLevel) for (const f of FIELDS) if (portLevel[f] !== undefined) (out as Record<string, unknown>)[f] = portLevel[f];
  return out;
}

export function effectivePolicy(dr: DestinationRuleSpec | undefined, subset: string, port: number): EffectivePolicy {
  if (!dr) return {};
  const top = overlay({}, dr.trafficPolicy, port);
  const s = subset ? dr.subsets?.find((x) => x.name === subset) : undefined;
  return overlay(top, s?.trafficPolicy, port);
}

export function subsetLabels(dr: DestinationRuleSpec | undefined, subset: string): Readonly<Record<string, string>> | undefined {
  if (!subset) return undefined;
  return dr?.subsets?.find((s) => s.name === subset)?.labels ?? {};
}
