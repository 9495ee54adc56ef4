// Sidecar egress listeners that declare a port: real listeners on `<bind>:<port>`, which the app
// reaches by address (there is no transparent capture). An HTTP-like protocol gets an HCM with
// the listener's own route table; anything else a tcp_proxy to what tcp-route.ts picks.
import type { TranslateContext } from './context.js';
import { httpFilterChain } from './hcm.js';
import type { EgressListenerPlan } from './outbound-plan.js';
import { any, socketAddress } from './proto.js';
import { routeView } from './route-view.js';
import { tcpProxyConfig } from './tcp-route.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;

/** The listener, or undefined for a TCP listener with nothing to forward to. */
export function egressListener(ctx: TranslateContext, plan: EgressListenerPlan): Fields | undefined {
  let chain: Fields;
  if (plan.routeName !== undefined) {
    chain = httpFilterChain({ kind: ctx.kind, statPrefix: `outbound_${plan.name}`, rds: plan.routeName, absoluteUrls: plan.proxyStyle });
  } else {
    const tcpProxy = tcpProxyConfig(ctx, routeView(ctx, plan.listener), plan.port, `outbound_${plan.name}`);
    if (!tcpProxy) return undefined;
    chain = { filters: [{ name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, tcpProxy) }] };
  }
  return {
    name: plan.name,
    address: socketAddress(plan.address, plan.port),
    traffic_direction: 'OUTBOUND',
    filter_chains: [chain],
  };
}
