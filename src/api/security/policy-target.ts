// Where a policy applies. A workload selector picks sidecars by label; a targetRef attaches the
// policy to a resource instead (Gateway API policy attachment, GEP-713), which is how waypoints
// and Kubernetes Gateways are addressed. Istio allows only one of the three ways per policy.
import { z } from 'zod';
import { obj, workloadSelector } from '../fields/common.js';

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** The [group, kind] pairs Istio accepts as targets; "" and "core" both name the core group. */
const SUPPORTED_TARGETS: ReadonlyArray<readonly [string, string]> = [
  ['core', 'Service'],
  ['networking.istio.io', 'ServiceEntry'],
  ['gateway.networking.k8s.io', 'Gateway'],
  ['gateway.networking.k8s.io', 'GatewayClass'],
];

export const policyTargetReference = obj({
  group: z.string().max(253).regex(GROUP, { message: 'is not a valid API group (a DNS subdomain such as gateway.networking.k8s.io, or "")' }).optional(),
  kind: z.string().min(1).max(63).regex(KIND, { message: 'is not a valid kind: start with a letter, then letters, digits or "-"' }),
  name: z.string().min(1).max(253),
  namespace: z.string().optional(),
}).superRefine((ref, ctx) => {
  if (ref.namespace !== undefined && ref.namespace !== '') {
    ctx.addIssue({
      code: 'custom', path: ['namespace'], message: 'cross-namespace targetRef is not supported',
      params: { hint: "remove namespace: the target must live in the policy's own namespace" },
    });
  }
  const group = ref.group === undefined || ref.group === '' ? 'core' : ref.group;
  if (!SUPPORTED_TARGETS.some(([g, k]) => g === group && k === ref.kind)) {
    ctx.addIssue({
      code: 'custom', path: ['kind'], message: `a targetRef to ${ref.group ?? ''}/${ref.kind} is not supported`,
      params: { hint: 'target kind Service (group ""), ServiceEntry (group networking.istio.io), or Gateway/GatewayClass (group gateway.networking.k8s.io)' },
    });
  }
});
export type PolicyTargetReference = z.infer<typeof policyTargetReference>;

/** The three ways to say where a policy applies; spread into a kind's spec shape. */
export const targetingFields = {
  selector: workloadSelector.optional(),
  /** Deprecated in Istio in favour of targetRefs; still accepted. */
  targetRef: policyTargetReference.optional(),
  targetRefs: z.array(policyTargetReference).optional(),
};

interface Targeted {
  selector?: unknown;
  targetRef?: unknown;
  targetRefs?: readonly unknown[];
}

/** Reports a policy that sets more than one of selector, targetRef and targetRefs (Istio rejects it). */
export function checkSingleTargeting(spec: Targeted, ctx: z.RefinementCtx): void {
  const set = (['selector', 'targetRef', 'targetRefs'] as const).filter((k) =>
    k === 'targetRefs' ? (spec.targetRefs?.length ?? 0) > 0 : spec[k] !== undefined);
  if (set.length > 1) {
    ctx.addIssue({
      code: 'custom', path: [set[1] as string], message: `only one of selector, targetRef or targetRefs may be set, but ${set.join(' and ')} are`,
      params: { hint: 'use selector for sidecars, targetRefs for gateways and waypoints; split into two policies if you need both' },
    });
  }
}
