// RequestAuthentications and the workloads they apply to, as Istio decides it: a policy in the
// mesh's root namespace applies in every namespace, any other only in its own; a `selector` picks
// workloads by label (none: every workload in scope); a targetRef/targetRefs attaches it to a
// Gateway (gateway proxies labelled gateway.networking.k8s.io/gateway-name) or a Service (its
// registered sidecars, since Isthmus has no waypoints). Every policy that applies contributes its
// jwtRules: a workload accepts a token from any of their issuers.
//
// The index is built on first use per PushContext and kept beside it (a WeakMap), so it needs no
// slot of its own in PushIndexes and is never built for a mesh without RequestAuthentications.
import type { Resource } from '../../api/resource.js';
import type { RequestAuthenticationSpec } from '../../api/security/request-authentication.js';
import { labelsMatch } from '../../registry/workloads.js';
import { GATEWAY_NAME_LABEL } from './authorization-policy-index.js';
import type { ProxyNode } from './proxy.js';
import type { PushContext } from './push-context.js';
import { byAge } from './visibility.js';

export interface RequestAuthenticationEntry {
  readonly name: string;
  readonly namespace: string;
  readonly spec: RequestAuthenticationSpec;
}

export interface RequestAuthenticationIndex {
  /** Policies by namespace, oldest first (the order their providers are listed in). */
  readonly byNamespace: ReadonlyMap<string, readonly RequestAuthenticationEntry[]>;
  readonly rootNamespace: string;
}

export function buildRequestAuthenticationIndex(resources: readonly Resource[], rootNamespace: string): RequestAuthenticationIndex {
  const byNamespace = new Map<string, RequestAuthenticationEntry[]>();
  const all = (resources.filter((r) => r.kind === 'RequestAuthentication') as Resource<RequestAuthenticationSpec>[]).sort(byAge);
  for (const r of all) {
    const ns = r.metadata.namespace;
    let list = byNamespace.get(ns);
    if (!list) byNamespace.set(ns, (list = []));
    list.push(Object.freeze({ name: r.metadata.name, namespace: ns, spec: r.spec }));
  }
  return { byNamespace, rootNamespace };
}

function targetsProxy(e: RequestAuthenticationEntry, proxy: ProxyNode): boolean {
  const refs = [...(e.spec.targetRef ? [e.spec.targetRef] : []), ...(e.spec.targetRefs ?? [])];
  return refs.some((ref) => {
    if (proxy.namespace !== e.namespace) return false;
    if (ref.kind === 'Service') return proxy.type === 'sidecar' && proxy.registration?.service === ref.name;
    if (ref.kind === 'Gateway') return proxy.type === 'router' && proxy.labels[GATEWAY_NAME_LABEL] === ref.name;
    return false; // ServiceEntry and GatewayClass targets have no proxy of their own here
  });
}

export function requestAuthenticationApplies(e: RequestAuthenticationEntry, proxy: ProxyNode, rootNamespace: string): boolean {
  if (e.namespace !== proxy.namespace && e.namespace !== rootNamespace) return false;
  if (e.spec.targetRef || (e.spec.targetRefs?.length ?? 0) > 0) return targetsProxy(e, proxy);
  return labelsMatch(e.spec.selector?.matchLabels, proxy.labels);
}

/** The policies that apply to a proxy: the root namespace's first, then its own, each oldest first. */
export function requestAuthenticationsIn(index: RequestAuthenticationIndex, proxy: ProxyNode): RequestAuthenticationEntry[] {
  if (proxy.type === 'proxyless') return [];
  const namespaces = proxy.namespace === index.rootNamespace ? [proxy.namespace] : [index.rootNamespace, proxy.namespace];
  return namespaces.flatMap((ns) => (index.byNamespace.get(ns) ?? []).filter((e) => requestAuthenticationApplies(e, proxy, index.rootNamespace)));
}

const indexes = new WeakMap<PushContext, RequestAuthenticationIndex>();

/** The RequestAuthentications that apply to `proxy` in this snapshot. */
export function requestAuthenticationsFor(push: PushContext, proxy: ProxyNode): RequestAuthenticationEntry[] {
  let index = indexes.get(push);
  if (!index) indexes.set(push, (index = buildRequestAuthenticationIndex(push.resources, push.mesh.rootNamespace)));
  return requestAuthenticationsIn(index, proxy);
}
