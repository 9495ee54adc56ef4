// DestinationRules indexed by namespace and host, looked up in Istio's order: the proxy's
// namespace, then the service's namespace, then the root namespace; within one namespace the
// most specific host wins (exact over wildcard, longer wildcard over shorter).
import { hostMatches, resolveHost } from '../../api/hosts.js';
import type { Resource } from '../../api/resource.js';
import type { DestinationRuleSpec } from '../../api/networking/destination-rule.js';
import { labelsMatch } from '../../registry/workloads.js';
import { byAge, isVisibleTo, normaliseExportTo } from './visibility.js';

export interface DestinationRuleEntry {
  readonly resource: Resource<DestinationRuleSpec>;
  readonly namespace: string;
  readonly name: string;
  readonly host: string;
  readonly exportTo: readonly string[];
  readonly spec: DestinationRuleSpec;
}

export interface DestinationRuleIndex {
  readonly all: readonly DestinationRuleEntry[];
  readonly byNamespace: ReadonlyMap<string, readonly DestinationRuleEntry[]>;
}

export function buildDestinationRuleIndex(resources: readonly Resource[], domainSuffix?: string): DestinationRuleIndex {
  const list = (resources.filter((r) => r.kind === 'DestinationRule') as Resource<DestinationRuleSpec>[]).sort(byAge);
  const all = list.map((r) => Object.freeze({
    resource: r,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    host: resolveHost(r.spec.host, r.metadata.namespace, domainSuffix),
    exportTo: Object.freeze(normaliseExportTo(r.spec.exportTo, r.metadata.namespace)),
    spec: r.spec,
  }));
  const byNamespace = new Map<string, DestinationRuleEntry[]>();
  for (const e of all) byNamespace.set(e.namespace, [...(byNamespace.get(e.namespace) ?? []), e]);
  return { all, byNamespace };
}

/** Specificity of `pattern` for `host`: -1 no match; exact beats any wildcard; longer wildcard beats shorter. */
function specificity(pattern: string, host: string): number {
  if (pattern === host) return Number.MAX_SAFE_INTEGER;
  return hostMatches(pattern, host) ? pattern.length : -1;
}

function mostSpecific(entries: readonly DestinationRuleEntry[], host: string): DestinationRuleEntry | undefined {
  let best: DestinationRuleEntry | undefined;
  let bestScore = -1;
  for (const e of entries) {
    const s = specificity(e.host, host);
    if (s > bestScore) {
      best = e;
      bestScore = s;
    }
  }
  return best;
}

export interface DestinationRuleQuery {
  proxyNamespace: string;
  proxyLabels: Readonly<Record<string, string>>;
  host: string;
  serviceNamespace?: string;
  rootNamespace: string;
}

export function lookupDestinationRule(index: DestinationRuleIndex, q: DestinationRuleQuery): DestinationRuleEntry | undefined {
  const applies = (e: DestinationRuleEntry) => {
    const sel = e.spec.workloadSelector?.matchLabels;
    // A rule with a workloadSelector is for those workloads of its own namespace only.
    if (sel && Object.keys(sel).length > 0) return e.namespace === q.proxyNamespace && labelsMatch(sel, q.proxyLabels);
    return true;
  };
  const local = (index.byNamespace.get(q.proxyNamespace) ?? []).filter(applies);
  // Selector-scoped rules take precedence over namespace-wide ones for the selected workload.
  const found = mostSpecific(local.filter((e) => e.spec.workloadSelector), q.host) ?? mostSpecific(local, q.host);
  if (found) return found;
  const exported = (ns: string | undefined) =>
    ns === undefined ? [] : (index.byNamespace.get(ns) ?? []).filter((e) => !e.spec.workloadSelector && isVisibleTo(e.exportTo, q.proxyNamespace));
  if (q.serviceNamespace !== q.proxyNamespace) {
    const inService = mostSpecific(exported(q.serviceNamespace), q.host);
    if (inService) return inService;
  }
  if (q.rootNamespace !== q.proxyNamespace && q.rootNamespace !== q.serviceNamespace) {
    return mostSpecific(exported(q.rootNamespace), q.host);
  }
  return undefined;
}
