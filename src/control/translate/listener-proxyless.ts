// Proxyless gRPC listeners: a client dialing `xds:///reviews:9080` asks LDS for `reviews:9080`
// and gets an API listener whose HCM points RDS at a table of the same name.
import type { TranslateContext } from './context.js';
import { httpConnectionManager } from './hcm.js';
import { parseProxylessTarget, type ProxylessTarget } from './route-config.js';

/** Targets for LDS/RDS names; undefined names = every port of every reachable service. */
export function proxylessTargets(ctx: TranslateContext, names: readonly string[] | undefined): ProxylessTarget[] {
  if (names === undefined) {
    return ctx.services.filter((s) => !s.hostname.startsWith('*')).flatMap((s) => s.ports.map((p) => ({ name: `${s.hostname}:${p.port}`, host: s.hostname, port: p.port })));
  }
  const out: ProxylessTarget[] = [];
  for (const n of names) {
    const t = parseProxylessTarget(n, ctx.proxy.namespace, ctx.push.domainSuffix);
    if (t && (ctx.push.serviceFor(ctx.proxy, t.host) || ctx.push.virtualServiceForHost(ctx.proxy, t.host))) out.push(t);
  }
  return out;
}

export function proxylessListener(target: ProxylessTarget): Record<string, unknown> {
  return {
    name: target.name,
    api_listener: { api_listener: httpConnectionManager({ kind: 'proxyless', statPrefix: target.name, rds: target.name }) },
  };
}
