// Gateways and the router proxies they bind to (by label selector, in any namespace, as Istio
// does unless gateways are scoped to their namespace).
import type { Resource } from '../../api/resource.js';
import type { GatewaySpec } from '../../api/networking/gateway.js';
import { labelsMatch } from '../../registry/workloads.js';
import { byAge } from './visibility.js';

export interface GatewayEntry {
  readonly resource: Resource<GatewaySpec>;
  /** `namespace/name`, the form VirtualService.gateways resolves to. */
  readonly key: string;
  readonly namespace: string;
  readonly spec: GatewaySpec;
}

export interface GatewayIndex {
  readonly all: readonly GatewayEntry[];
  readonly byKey: ReadonlyMap<string, GatewayEntry>;
}

export function buildGatewayIndex(resources: readonly Resource[]): GatewayIndex {
  const all = (resources.filter((r) => r.kind === 'Gateway') as Resource<GatewaySpec>[]).sort(byAge).map((r) => Object.freeze({
    resource: r,
    key: `${r.metadata.namespace}/${r.metadata.name}`,
    namespace: r.metadata.namespace,
    spec: r.spec,
  }));
  return { all, byKey: new Map(all.map((g) => [g.key, g])) };
}

/** Gateways whose selector matches the proxy's labels; an empty selector selects every router. */
export function gatewaysForLabels(index: GatewayIndex, labels: Readonly<Record<string, string>>): GatewayEntry[] {
  return index.all.filter((g) => labelsMatch(g.spec.selector, labels));
}
