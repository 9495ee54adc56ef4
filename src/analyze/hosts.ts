// A destination host that nothing provides: no ServiceEntry declares it, no WorkloadEntry's
// `app` label names it, and it is not among the hosts a live registry reported. Only a warning:
// the host may be registered at run time by a proxy that has not connected yet.
import { hostMatches, resolveHost } from '../api/index.js';
import type { AnalysisContext, Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { DestinationRuleView, ServiceEntryView, VirtualServiceView, WorkloadEntryView } from './views.js';

/** Hosts that a ServiceEntry or WorkloadEntry in `ctx` provides, fully qualified. */
export function providedHosts(ctx: AnalysisContext): string[] {
  const hosts: string[] = [];
  for (const se of ctx.ofKind('ServiceEntry')) {
    for (const h of (se.resource.spec as unknown as ServiceEntryView).hosts ?? []) hosts.push(ctx.fqdn(h, se));
  }
  // Isthmus convention for workloads without Kubernetes: a WorkloadEntry labelled app=NAME
  // provides NAME.<namespace>.svc.cluster.local (the same name its proxy registers with --service).
  for (const we of ctx.ofKind('WorkloadEntry')) {
    const app = (we.resource.spec as unknown as WorkloadEntryView).labels?.app;
    if (app) hosts.push(resolveHost(app, we.resource.metadata.namespace));
  }
  return hosts;
}

export function hostAnalyzer(registered: readonly string[] = []): Analyzer {
  return {
    name: 'hosts',
    analyze(ctx: AnalysisContext) {
      const provided = [...providedHosts(ctx), ...registered];
      const known = (fqdn: string): boolean => provided.some((p) => hostMatches(p, fqdn));
      const messages = [];
      for (const vs of ctx.ofKind('VirtualService')) {
        const spec = vs.resource.spec as unknown as VirtualServiceView;
        const hosts = new Set(
          [...(spec.http ?? []), ...(spec.tls ?? []), ...(spec.tcp ?? [])].flatMap((r) => (r.route ?? []).map((d) => d.destination.host)),
        );
        for (const h of hosts) {
          if (!h.includes('*') && !known(ctx.fqdn(h, vs))) {
            messages.push(ctx.report(MESSAGES.UnknownHost, vs,
              `destination host "${h}" (${ctx.fqdn(h, vs)}) is not provided by any ServiceEntry, WorkloadEntry or registered service; check the name or add a ServiceEntry`));
          }
        }
      }
      for (const dr of ctx.ofKind('DestinationRule')) {
        const h = (dr.resource.spec as unknown as DestinationRuleView).host;
        if (!h.includes('*') && !known(ctx.fqdn(h, dr))) {
          messages.push(ctx.report(MESSAGES.UnknownHost, dr,
            `host "${h}" (${ctx.fqdn(h, dr)}) is not provided by any ServiceEntry, WorkloadEntry or registered service; the rule applies to nothing`));
        }
      }
      return messages;
    },
  };
}
