// A VirtualService bound to a Gateway that does not exist is never served by any gateway.
// Gateway names are `[namespace/]name`, short names resolve in the VirtualService's namespace,
// and `mesh` is the reserved name for all sidecars.
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { VirtualServiceView } from './views.js';

export const gatewayAnalyzer: Analyzer = {
  name: 'gateways',
  analyze(ctx: AnalysisContext) {
    const known = new Set(ctx.ofKind('Gateway').map((g) => `${g.resource.metadata.namespace}/${g.resource.metadata.name}`));
    return ctx.ofKind('VirtualService').flatMap((vs) => {
      const spec = vs.resource.spec as unknown as VirtualServiceView;
      const named = new Set<string>([
        ...(spec.gateways ?? []),
        ...[...(spec.http ?? []), ...(spec.tls ?? []), ...(spec.tcp ?? [])].flatMap((r) => (r.match ?? []).flatMap((m) => m.gateways ?? [])),
      ]);
      const missing = [...named].filter((g) => g !== 'mesh' && !known.has(g.includes('/') ? g : `${vs.resource.metadata.namespace}/${g}`));
      return missing.map((g) => ctx.report(MESSAGES.ReferencedGatewayNotFound, vs,
        `gateway "${g}" is not defined; create it or fix the reference (use "namespace/name" for a gateway in another namespace)`));
    });
  },
};
