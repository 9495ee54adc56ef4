// `proxy-config clusters`: each cluster split back into what Istio names it by
// (`DIRECTION|PORT|SUBSET|FQDN`), its discovery type and the DestinationRule that shaped it.
import { arr, configPathName, istioConfigPath, obj, str, type Json } from './json.js';
import type { Section } from './section.js';

export interface ClusterName {
  fqdn: string;
  port: string;
  subset: string;
  direction: string;
}

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; other names (PassthroughCluster …) stand as they are. */
export function parseClusterName(name: string): ClusterName {
  const parts = name.split('|');
  if (parts.length !== 4) return { fqdn: name, port: '-', subset: '-', direction: '-' };
  const [direction, port, subset, fqdn] = parts as [string, string, string, string];
  return { fqdn, port: port || '-', subset: subset || '-', direction };
}

/** A DestinationRule's host as a full name: a short name is in the rule's namespace. */
function ruleHost(host: string, namespace: string): string {
  return host.includes('.') || host.startsWith('*') ? host : `${host}.${namespace}.svc.cluster.local`;
}

/**
 * The DestinationRule for an outbound cluster, as `name.namespace`: from Istio's cluster
 * metadata when present; else the manager's rule for that host — an exact host before a
 * wildcard, the service's own namespace first. (Istio's lookup also weighs exportTo and the
 * proxy's namespace; this is what an operator needs to find the rule, not a re-implementation.)
 */
export function destinationRuleOf(cluster: Json, name: ClusterName, config: Json[] | undefined): string {
  const fromMetadata = configPathName(istioConfigPath(cluster.metadata));
  if (fromMetadata) return fromMetadata;
  if (name.direction !== 'outbound' || !config) return '-';
  const serviceNs = name.fqdn.split('.')[1];
  const scored = config
    .filter((r) => r.kind === 'DestinationRule')
    .map((r) => {
      const ns = str(obj(r.metadata).namespace) ?? 'default';
      const host = ruleHost(str(obj(r.spec).host) ?? '', ns);
      const exact = host === name.fqdn;
      const wildcard = host === '*' || (host.startsWith('*.') && name.fqdn.endsWith(host.slice(1)));
      return { r, ns, score: exact ? 2 : wildcard ? 1 : 0 };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || Number(b.ns === serviceNs) - Number(a.ns === serviceNs));
  const best = scored[0];
  return best ? `${str(obj(best.r.metadata).name)}.${best.ns}` : '-';
}

/** EDS, STATIC, STRICT_DNS, ORIGINAL_DST …; a custom cluster type by its name. */
function clusterType(cluster: Json): string {
  return str(cluster.type) ?? str(obj(cluster.cluster_type).name) ?? 'STATIC';
}

export const clustersSection: Section = {
  name: 'clusters',
  header: ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
  needs: ['config'],
  empty: 'The proxy has no clusters.',
  rows({ dump, config }) {
    return arr(dump.clusters).map(obj).map((c) => {
      const name = parseClusterName(str(c.name) ?? '-');
      return [name.fqdn, name.port, name.subset, name.direction, clusterType(c), destinationRuleOf(c, name, config)];
    });
  },
  raw: ({ dump }) => dump.clusters,
};
