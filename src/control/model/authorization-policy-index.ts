// AuthorizationPolicies and the workloads they apply to, as Istio decides it: a policy in the
// mesh's root namespace applies in every namespace, any other only in its own; inside that scope
// a `selector` picks workloads by label (none: every workload), and a targetRef/targetRefs
// attaches the policy to a named Service (its registered sidecars here, since Isthmus has no
// waypoints) or a Gateway (gateway proxies labelled gateway.networking.k8s.io/gateway-name).
import type { Resource } from '../../api/resource.js';
import type { AuthorizationPolicySpec } from '../../api/security/authorization-policy.js';
import { labelsMatch } from '../../registry/workloads.js';
import type { ProxyNode } from './proxy.js';
import { byAge } from './visibility.js';

export interface AuthorizationPolicyEntry {
  readonly resource: Resource<AuthorizationPolicySpec>;
  readonly name: string;
  readonly namespace: string;
  readonly spec: AuthorizationPolicySpec;
  /** `istio.io/dry-run: "true"`: evaluated and logged, never enforced. */
  readonly dryRun: boolean;
}

export interface AuthorizationPolicyIndex {
  /** Policies by namespace, oldest first (the order their RBAC policies are listed in). */
  readonly byNamespace: ReadonlyMap<string, readonly AuthorizationPolicyEntry[]>;
  readonly rootNamespace: string;
}

/** The label Kubernetes Gateway API deployments carry, naming their Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

export function buildAuthorizationPolicyIndex(resources: readonly Resource[], rootNamespace: string): AuthorizationPolicyIndex {
  const byNamespace = new Map<string, AuthorizationPolicyEntry[]>();
  const all = (resources.filter((r) => r.kind === 'AuthorizationPolicy') as Resource<AuthorizationPolicySpec>[]).sort(byAge);
  for (const r of all) {
    const ns = r.metadata.namespace;
    const annotations = r.metadata.annotations ?? {};
    const entry: AuthorizationPolicyEntry = Object.freeze({
      resource: r, name: r.metadata.name, namespace: ns, spec: r.spec, dryRun: annotations['istio.io/dry-run'] === 'true',
    });
    let list = byNamespace.get(ns);
    if (!list) byNamespace.set(ns, (list = []));
    list.push(entry);
  }
  return { byNamespace, rootNamespace };
}

function targetsProxy(entry: AuthorizationPolicyEntry, proxy: ProxyNode): boolean {
  const refs = [...(entry.spec.targetRef ? [entry.spec.targetRef] : []), ...(entry.spec.targetRefs ?? [])];
  return refs.some((ref) => {
    if (ref.kind === 'Service') return proxy.type === 'sidecar' && proxy.registration?.service === ref.name && proxy.namespace === entry.namespace;
    if (ref.kind === 'Gateway') return proxy.type === 'router' && proxy.labels[GATEWAY_NAME_LABEL] === ref.name && proxy.namespace === entry.namespace;
    return false; // ServiceEntry and GatewayClass targets have no proxy of their own here
  });
}

/** Whether a policy applies to the proxy's workload. */
export function policyApplies(entry: AuthorizationPolicyEntry, proxy: ProxyNode, rootNamespace: string): boolean {
  if (entry.namespace !== proxy.namespace && entry.namespace !== rootNamespace) return false;
  const spec = entry.spec;
  if (spec.targetRef || (spec.targetRefs?.length ?? 0) > 0) return targetsProxy(entry, proxy);
  return labelsMatch(spec.selector?.matchLabels, proxy.labels);
}

/** The policies that apply to a proxy: the root namespace's first, then its own, each oldest first. */
export function authorizationPoliciesFor(index: AuthorizationPolicyIndex, proxy: ProxyNode): AuthorizationPolicyEntry[] {
  if (proxy.type === 'proxyless') return [];
  const namespaces = proxy.namespace === index.rootNamespace ? [proxy.namespace] : [index.rootNamespace, proxy.namespace];
  return namespaces.flatMap((ns) => (index.byNamespace.get(ns) ?? []).filter((e) => policyApplies(e, proxy, index.rootNamespace)));
}
