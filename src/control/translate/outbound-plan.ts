// Which outbound listeners a sidecar has and which route table each one names, decided once so
// that LDS and RDS agree:
//  - the catch-all egress listener's HTTP ports: `0.0.0.0_<port>` (not bound) with table "<port>";
//  - each Sidecar egress listener with a port: `<bind>_<port>`, bound (bind defaults to
//    127.0.0.1: there is no iptables capture to bring traffic to a wildcard address), with
//    table "<port>" — or "<bind>_<port>" when the catch-all already has a table "<port>";
//  - the HTTP-proxy-mode listener `127.0.0.1_<proxyHttpPort>` with table `http_proxy`, only
//    when the proxy or the mesh sets that port (left out if an egress listener uses the port).
import { isHttpLike } from '../../registry/protocol.js';
import type { EgressListenerScope } from '../model/sidecar-scope.js';
import { listenerServices, type TranslateContext } from './context.js';
import { OUTBOUND_BIND, outboundListenerName, sidecarRouteName } from './names.js';
import { httpPorts } from './route-config.js';

export interface EgressListenerPlan {
  readonly listener: EgressListenerScope;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** The route table of an HTTP-like listener; undefined for TCP ones. */
  readonly routeName?: string;
  /** Protocol HTTP_PROXY: the table routes every port by Host, like `http_proxy`. */
  readonly proxyStyle: boolean;
}

export interface OutboundPlan {
  /** Ports of the catch-all's `0.0.0.0_<port>` listeners and "<port>" tables. */
  readonly catchAllPorts: readonly number[];
  readonly egress: readonly EgressListenerPlan[];
  /** The HTTP-proxy-mode listener's port, if it exists. */
  readonly httpProxyPort?: number;
}

const WILDCARD = '0.0.0.0';

export function outboundPlan(ctx: TranslateContext): OutboundPlan {
  const declared = ctx.scope.portListeners.map((listener) => {
    const port = (listener.port as NonNullable<EgressListenerScope['port']>).number;
    const address = listener.bind || OUTBOUND_BIND;
    return { listener, port, address, name: outboundListenerName(address, port) };
  });
  // An egress listener on 0.0.0.0:<port> is the listener for that port: the catch-all yields it.
  const claimed = new Set(declared.filter((d) => d.address === WILDCARD).map((d) => d.port));
  const catchAllPorts = ctx.scope.catchAll ? httpPorts(listenerServices(ctx, ctx.scope.catchAll)).filter((p) => !claimed.has(p)) : [];
  const egress = declared.map((d): EgressListenerPlan => {
    const protocol = d.listener.port?.protocol ?? 'TCP';
    if (!isHttpLike(protocol)) return { ...d, proxyStyle: false };
    const routeName = catchAllPorts.includes(d.port) ? d.name : sidecarRouteName(d.port);
    return { ...d, routeName, proxyStyle: protocol === 'HTTP_PROXY' };
  });
  const port = ctx.httpProxyPort;
  const httpProxyPort = port !== undefined && !declared.some((d) => d.port === port) ? port : undefined;
  return { catchAllPorts, egress, httpProxyPort };
}
