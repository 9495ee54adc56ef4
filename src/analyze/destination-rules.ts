// Two DestinationRules for one host (in one namespace, for the same workloads) are merged by
// Istio in an order users cannot see; the later one's policies are silently dropped.
import type { LoadedResource } from '../api/index.js';
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { DestinationRuleView } from './views.js';

export const destinationRuleAnalyzer: Analyzer = {
  name: 'destination-rules',
  analyze(ctx: AnalysisContext) {
    const groups = new Map<string, LoadedResource[]>();
    for (const dr of ctx.ofKind('DestinationRule')) {
      const spec = dr.resource.spec as unknown as DestinationRuleView;
      const selector = JSON.stringify(Object.entries(spec.workloadSelector?.matchLabels ?? {}).sort());
      const key = `${dr.resource.metadata.namespace}|${ctx.fqdn(spec.host, dr)}|${selector}`;
      groups.set(key, [...(groups.get(key) ?? []), dr]);
    }
    return [...groups.values()].filter((g) => g.length > 1).flatMap((group) => {
      const names = group.map((d) => d.resource.metadata.name).join(', ');
      const host = (group[0]?.resource.spec as unknown as DestinationRuleView).host;
      return group.map((dr) => ctx.report(MESSAGES.MultipleDestinationRulesForHost, dr,
        `host "${host}" has ${group.length} DestinationRules (${names}); merge them into one so every policy applies`));
    });
  },
};
