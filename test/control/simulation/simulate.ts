// Simulation (as Istio's sidecar_simulation_test): generate a proxy's route table, run a request
// description through the proxy's own route matcher, and report what it matched.
import { generate } from '../../../src/control/translate/generators.js';
import type { PushContext } from '../../../src/control/model/push-context.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { matchRoute, pickWeightedCluster, type RouteRequest } from '../../../src/proxy/router/route-match.js';

export type Outcome =
  | { cluster: string }
  | { weighted: [string, number][] }
  | { redirect: Record<string, unknown> }
  | { status: number }
  | { notFound: true }
  | { noRouteTable: true };

export function simulate(push: PushContext, proxy: ProxyNode, routeName: string, req: Partial<RouteRequest> & { authority: string }): Outcome {
  const [table] = generate(TYPE_URL.ROUTE, proxy, push, [routeName]);
  if (!table) return { noRouteTable: true };
  const result = matchRoute(table.value, { path: '/', method: 'GET', ...req });
  if (!result) return { notFound: true };
  const a = result.action;
  switch (a.kind) {
    case 'cluster': return { cluster: a.cluster };
    case 'weighted_clusters': return { weighted: a.clusters.map((c) => [c.name, c.weight]) };
    case 'redirect': return { redirect: a.redirect };
    case 'direct_response': return { status: a.status };
    default: return { notFound: true };
  }
}

/** The cluster a weighted route sends a request with random draw `r` to. */
export function draw(outcome: Outcome, r: number): string | undefined {
  if (!('weighted' in outcome)) return undefined;
  return pickWeightedCluster(outcome.weighted.map(([name, weight]) => ({ name, weight })), r);
}
