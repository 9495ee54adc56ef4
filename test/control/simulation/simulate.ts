// Simulation (as Istio's sidecar_simulation_test): generate a proxy's route table, run a request
// description through the proxy's own route matcher, and report what it matched.
import { generate } from '../../../src/control/translate/generators.js';
import type { PushContext } from '../../../src/control/model/push-context.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { encodeResource } from '../../../src/control/xds/protos.js';
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

/**
 * Every resource of every type generated for `proxy` passes the xDS layer's encoder (the shape
 * check that stops protobufjs from silently dropping fields). Returns how many were encoded.
 */
export function encodeAll(push: PushContext, proxy: ProxyNode): number {
  let n = 0;
  const listenerNames = proxy.type === 'proxyless' ? push.servicesFor(proxy).flatMap((s) => s.ports.map((p) => `${s.hostname}:${p.port}`)) : undefined;
  for (const type of [TYPE_URL.LISTENER, TYPE_URL.ROUTE, TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT]) {
    const names = type === TYPE_URL.LISTENER ? listenerNames : undefined;
    for (const r of generate(type, proxy, push, names)) {
      encodeResource(r);
      n++;
    }
  }
  return n;
}
