// A VirtualService Destination → the cluster it names. The port is the destination's own, else
// the service's only port, else the port the route table serves (Istio's rule).
import { resolveHost } from '../../api/hosts.js';
import type { Destination } from '../../api/networking/virtual-service.js';
import type { Service } from '../../registry/types.js';
import type { TranslateContext } from './context.js';
import { clusterName } from './names.js';

export interface ResolvedDestination {
  cluster: string;
  host: string;
  port: number;
  subset: string;
  service?: Service;
}

export function resolveDestination(ctx: TranslateContext, dest: Destination, vsNamespace: string, sitePort: number | undefined): ResolvedDestination {
  const host = resolveHost(dest.host, vsNamespace, ctx.push.domainSuffix);
  const service = ctx.push.serviceFor(ctx.proxy, host) ?? ctx.push.anyService(host, ctx.proxy.namespace);
  const only = service && service.ports.length === 1 ? service.ports[0]?.port : undefined;
  const port = dest.port?.number ?? only ?? sitePort ?? service?.ports[0]?.port ?? 80;
  const subset = dest.subset ?? '';
  return { cluster: clusterName('outbound', port, subset, host), host, port, subset, service };
}
