// What every translation step needs to know about the proxy it is building for, computed once
// per generate call.
import type { PushContext } from '../model/push-context.js';
import type { ProxyNode } from '../model/proxy.js';
import type { SidecarScope } from '../model/sidecar-scope.js';
import type { Service } from '../../registry/types.js';

export type ClientKind = ProxyNode['type'];

export interface TranslateContext {
  readonly proxy: ProxyNode;
  readonly push: PushContext;
  readonly kind: ClientKind;
  readonly scope: SidecarScope;
  /** Services the proxy may reach. */
  readonly services: readonly Service[];
}

export function translateContext(proxy: ProxyNode, push: PushContext): TranslateContext {
  return {
    proxy,
    push,
    kind: proxy.type,
    scope: push.sidecarScope(proxy),
    services: push.servicesFor(proxy),
  };
}
