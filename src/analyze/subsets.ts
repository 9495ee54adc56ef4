// A route to a subset that no DestinationRule for that host defines sends traffic nowhere
// (Envoy answers 503 "no healthy upstream"); Istio reports it as IST0101.
import { hostMatches } from '../api/index.js';
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { DestinationRuleView, DestinationView, VirtualServiceView } from './views.js';

export const subsetAnalyzer: Analyzer = {
  name: 'subsets',
  analyze(ctx: AnalysisContext) {
    const subsetsByHost = new Map<string, Set<string>>();
    for (const dr of ctx.ofKind('DestinationRule')) {
      const spec = dr.resource.spec as unknown as DestinationRuleView;
      const host = ctx.fqdn(spec.host, dr);
      const set = subsetsByHost.get(host) ?? new Set<string>();
      for (const s of spec.subsets ?? []) set.add(s.name);
      subsetsByHost.set(host, set);
    }
    const defined = (host: string, subset: string): boolean => {
      for (const [drHost, subsets] of subsetsByHost) if (hostMatches(drHost, host) && subsets.has(subset)) return true;
      return false;
    };
    return ctx.ofKind('VirtualService').flatMap((vs) => {
      const spec = vs.resource.spec as unknown as VirtualServiceView;
      const destinations: DestinationView[] = [
        ...(spec.http ?? []).flatMap((r) => [...(r.route ?? []).map((d) => d.destination), ...(r.mirror ? [r.mirror] : [])]),
        ...(spec.tls ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination)),
        ...(spec.tcp ?? []).flatMap((r) => (r.route ?? []).map((d) => d.destination)),
      ];
      return destinations
        .filter((d) => d.subset !== undefined && !defined(ctx.fqdn(d.host, vs), d.subset))
        .map((d) => ctx.report(MESSAGES.ReferencedSubsetNotFound, vs,
          `subset "${d.subset}" of host "${d.host}" is not defined by any DestinationRule; add it to a DestinationRule for ${ctx.fqdn(d.host, vs)} or fix the name`));
    });
  },
};
