// What every translation step needs to know about the proxy it is building for, computed once
// per generate call.
import type { PushContext } from '../model/push-context.js';
import type { ProxyNode } from '../model/proxy.js';
import type { EgressListenerScope, SidecarScope } from '../model/sidecar-scope.js';
import type { Service } from '../../registry/types.js';

export type ClientKind = ProxyNode['type'];

export interface TranslateContext {
  readonly proxy: ProxyNode;
  readonly push: PushContext;
  readonly kind: ClientKind;
  readonly scope: SidecarScope;
  /** Services the proxy may reach (through any egress listener). */
  readonly services: readonly Service[];
  /**
   * The HTTP-proxy-mode listener's port: the proxy's own (node metadata) else the mesh's;
   * undefined when neither asks for one (Istio's default: no such listener).
   */
  readonly httpProxyPort?: number;
}

export function translateContext(proxy: ProxyNode, push: PushContext): TranslateContext {
  const port = proxy.httpProxyPort ?? push.mesh.proxyHttpPort;
  return {
    proxy,
    push,
    kind: proxy.type,
    scope: push.sidecarScope(proxy),
    services: push.servicesFor(proxy),
    httpProxyPort: proxy.type === 'sidecar' && port > 0 ? port : undefined,
  };
}

/** The services one egress listener may reach: the proxy's services within its hosts. */
export function listenerServices(ctx: TranslateContext, listener: EgressListenerScope): readonly Service[] {
  // Without a Sidecar the catch-all covers everything: no need to filter.
  if (listener === ctx.scope.catchAll && ctx.scope.egress === undefined) return ctx.services;
  return ctx.services.filter((s) => listener.includes(s.namespace, s.hostname));
}
