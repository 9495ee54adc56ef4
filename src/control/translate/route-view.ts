// What one sidecar route table may draw on: the services and VirtualServices of one egress
// listener (Istio builds each table from its egress listener's scope, not the whole Sidecar's).
import { hostMatches } from '../../api/hosts.js';
import type { Service } from '../../registry/types.js';
import type { EgressListenerScope } from '../model/sidecar-scope.js';
import type { VirtualServiceEntry } from '../model/virtual-service-index.js';
import { listenerServices, type TranslateContext } from './context.js';

export interface RouteView {
  readonly services: readonly Service[];
  readonly virtualServices: readonly VirtualServiceEntry[];
  /**
   * A listener that declares its port and protocol takes every service on that port, whatever
   * protocol the service's port says; the catch-all takes only HTTP-like service ports.
   */
  readonly declaredPort: boolean;
}

export function routeView(ctx: TranslateContext, listener: EgressListenerScope): RouteView {
  const all = ctx.push.virtualServicesFor(ctx.proxy);
  const everything = listener === ctx.scope.catchAll && ctx.scope.egress === undefined;
  return {
    services: listenerServices(ctx, listener),
    virtualServices: everything ? all : all.filter((vs) => vs.hosts.some((h) => listener.includes(vs.namespace, h))),
    declaredPort: listener.port !== undefined,
  };
}

/** The VirtualService (first by age) that routes `host` in this view: an exact host, else a wildcard. */
export function virtualServiceFor(view: RouteView, host: string): VirtualServiceEntry | undefined {
  return view.virtualServices.find((vs) => vs.hosts.includes(host)) ?? view.virtualServices.find((vs) => vs.hosts.some((h) => hostMatches(h, host)));
}
