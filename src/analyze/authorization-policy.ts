// An AuthorizationPolicy whose selector matches no known workload does nothing. Only Info:
// workloads that register when their proxy connects are not known to offline analysis.
import { labelsMatch, selectorLabels, type AnalysisContext, type Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { ServiceEntryView, WorkloadEntryView } from './views.js';

export const authorizationPolicyAnalyzer: Analyzer = {
  name: 'authorization-policy',
  analyze(ctx: AnalysisContext) {
    const workloads: { namespace: string; labels: Record<string, string> }[] = [];
    for (const we of ctx.ofKind('WorkloadEntry')) {
      workloads.push({ namespace: we.resource.metadata.namespace, labels: (we.resource.spec as WorkloadEntryView).labels ?? {} });
    }
    for (const se of ctx.ofKind('ServiceEntry')) {
      for (const ep of (se.resource.spec as unknown as ServiceEntryView).endpoints ?? []) {
        workloads.push({ namespace: se.resource.metadata.namespace, labels: ep.labels ?? {} });
      }
    }
    return ctx.ofKind('AuthorizationPolicy').flatMap((ap) => {
      const selector = selectorLabels(ap.resource.spec);
      if (!selector) return [];
      const ns = ap.resource.metadata.namespace;
      const inScope = workloads.filter((w) => ns === ctx.rootNamespace || w.namespace === ns);
      if (inScope.some((w) => labelsMatch(selector, w.labels))) return [];
      return [ctx.report(MESSAGES.SelectorMatchesNoWorkload, ap,
        `selector ${JSON.stringify(selector)} matches no known workload in ${ns === ctx.rootNamespace ? 'the mesh' : `namespace ${ns}`}; the policy has no effect until one exists`)];
    });
  },
};
