// Istio applies exactly one PeerAuthentication per scope (mesh: root namespace without a
// selector; namespace: no selector; workload: a selector). Two at one scope are resolved by age,
// which users cannot see in YAML, so that is reported as a conflict.
import type { LoadedResource } from '../api/index.js';
import { selectorLabels, type AnalysisContext, type Analyzer } from './context.js';
import { MESSAGES } from './messages.js';
import type { PeerAuthenticationView } from './views.js';

export const peerAuthenticationAnalyzer: Analyzer = {
  name: 'peer-authentication',
  analyze(ctx: AnalysisContext) {
    const scopes = new Map<string, LoadedResource[]>();
    for (const pa of ctx.ofKind('PeerAuthentication')) {
      const ns = pa.resource.metadata.namespace;
      const labels = selectorLabels(pa.resource.spec);
      const scope = labels
        ? `workloads in namespace ${ns} selected by ${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))}`
        : ns === ctx.rootNamespace ? 'the whole mesh' : `namespace ${ns}`;
      scopes.set(scope, [...(scopes.get(scope) ?? []), pa]);
    }
    const messages = [];
    for (const [scope, group] of scopes) {
      if (group.length < 2) continue;
      const desc = group.map((p) => `${p.resource.metadata.name} (${(p.resource.spec as PeerAuthenticationView).mtls?.mode ?? 'UNSET'})`).join(', ');
      for (const pa of group) {
        messages.push(ctx.report(MESSAGES.ConflictingPeerAuthentications, pa,
          `${group.length} PeerAuthentications apply to ${scope}: ${desc}; keep one per scope (use portLevelMtls or a narrower selector for exceptions)`));
      }
    }
    return messages;
  },
};
