// Route weights of one route must add up to 100. A single destination without a weight gets
// all the traffic, as Istio documents.
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { RouteDestinationView, VirtualServiceView } from './views.js';

export const weightAnalyzer: Analyzer = {
  name: 'weights',
  analyze(ctx: AnalysisContext) {
    return ctx.ofKind('VirtualService').flatMap((vs) => {
      const spec = vs.resource.spec as unknown as VirtualServiceView;
      const routes: [string, RouteDestinationView[]][] = [
        ...(spec.http ?? []).map((r, i) => [`http[${i}]`, r.route ?? []] as [string, RouteDestinationView[]]),
        ...(spec.tls ?? []).map((r, i) => [`tls[${i}]`, r.route ?? []] as [string, RouteDestinationView[]]),
        ...(spec.tcp ?? []).map((r, i) => [`tcp[${i}]`, r.route ?? []] as [string, RouteDestinationView[]]),
      ];
      return routes.flatMap(([where, route]) => {
        if (route.length === 0 || (route.length === 1 && route[0]?.weight === undefined)) return [];
        const total = route.reduce((sum, d) => sum + (d.weight ?? 0), 0);
        if (total === 100) return [];
        return [ctx.report(MESSAGES.RouteWeightsNotHundred, vs,
          `the weights of spec.${where}.route add up to ${total}, not 100; adjust them so they sum to 100`)];
      });
    });
  },
};
