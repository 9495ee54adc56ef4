// VirtualServices indexed by the gateway they bind to (`mesh` for sidecars) and by host, with
// short hosts and gateway names resolved in the VirtualService's namespace.
import { resolveHost } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import type { VirtualServiceSpec } from '../../api/networking/virtual-service.js';
import { byAge, normaliseExportTo } from './visibility.js';

export const MESH_GATEWAY = 'mesh';

export interface VirtualServiceEntry {
  readonly resource: Resource<VirtualServiceSpec>;
  readonly namespace: string;
  readonly name: string;
  /** Hosts resolved to FQDNs (wildcards kept). */
  readonly hosts: readonly string[];
  /** `mesh` or `namespace/name`. */
  readonly gateways: readonly string[];
  readonly exportTo: readonly string[];
}

export interface VirtualServiceIndex {
  readonly all: readonly VirtualServiceEntry[];
  readonly byGateway: ReadonlyMap<string, readonly VirtualServiceEntry[]>;
  readonly byHost: ReadonlyMap<string, readonly VirtualServiceEntry[]>;
}

/** Istio's gateway name forms: `mesh`, `name` (this namespace), `ns/name`, legacy `name.ns.svc.<suffix>`. */
export function resolveGatewayName(name: string, namespace: string): string {
  if (name === MESH_GATEWAY) return name;
  if (name.includes('/')) return name;
  const parts = name.split('.');
  if (parts.length >= 2) return `${parts[1]}/${parts[0]}`;
  return `${namespace}/${name}`;
}

export function buildVirtualServiceIndex(resources: readonly Resource[], domainSuffix?: string): VirtualServiceIndex {
  const list = (resources.filter((r) => r.kind === 'VirtualService') as Resource<VirtualServiceSpec>[]).sort(byAge);
  const all: VirtualServiceEntry[] = list.map((r) => {
    const ns = r.metadata.namespace;
    return Object.freeze({
      resource: r,
      namespace: ns,
      name: r.metadata.name,
      hosts: Object.freeze((r.spec.hosts ?? []).map((h) => resolveHost(h, ns, domainSuffix))),
      gateways: Object.freeze((r.spec.gateways?.length ? r.spec.gateways : [MESH_GATEWAY]).map((g) => resolveGatewayName(g, ns))),
      exportTo: Object.freeze(normaliseExportTo(r.spec.exportTo, ns)),
    });
  });
  const byGateway = new Map<string, VirtualServiceEntry[]>();
  const byHost = new Map<string, VirtualServiceEntry[]>();
  for (const e of all) {
    for (const g of e.gateways) byGateway.set(g, [...(byGateway.get(g) ?? []), e]);
    for (const h of e.hosts) byHost.set(h, [...(byHost.get(h) ?? []), e]);
  }
  return { all, byGateway, byHost };
}
