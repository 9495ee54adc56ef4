// VirtualService (networking.istio.io): traffic routing rules for a set of hosts. Field by field
// as Istio's API reference; the checks that need the whole resource (hosts versus gateways,
// SNI hosts versus hosts, delegates) live in the refinement at the bottom.
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { routeDestination } from './virtual-service-destination.js';
import {
  HOST_HINT, MESH_GATEWAY, fail, hostSubsetOf, hostsOverlap, isDns1123Label, isIpAddress, wildcardDomainError,
} from './virtual-service-hosts.js';
import { httpRoute } from './virtual-service-http.js';
import { JWT_CLAIM_PREFIX, gatewayNames, l4MatchAttributes, tlsMatchAttributes } from './virtual-service-match.js';

export { destination, httpRouteDestination, routeDestination, headers, portSelector, httpMirrorPolicy } from './virtual-service-destination.js';
export type { Destination, HTTPRouteDestination, RouteDestination, Headers, HTTPMirrorPolicy } from './virtual-service-destination.js';
export { httpRoute, delegate, type HTTPRoute, type Delegate } from './virtual-service-http.js';
export type { HTTPRedirect, HTTPDirectResponse, HTTPRewrite, HTTPRetry, HTTPFaultInjection, CorsPolicy } from './virtual-service-http-policies.js';
export { httpMatchRequest, tlsMatchAttributes, l4MatchAttributes, stringMatch } from './virtual-service-match.js';
export type { HTTPMatchRequest, TLSMatchAttributes, L4MatchAttributes, StringMatch } from './virtual-service-match.js';

export const tlsRoute = obj({
  match: z.array(tlsMatchAttributes).min(1),
  route: z.array(routeDestination).min(1),
});
export type TLSRoute = z.infer<typeof tlsRoute>;

export const tcpRoute = obj({
  match: z.array(l4MatchAttributes).optional(),
  route: z.array(routeDestination).min(1),
});
export type TCPRoute = z.infer<typeof tcpRoute>;

/** exportTo: `.` (this namespace), `*` (all) or namespace names; `*` excludes everything else. */
const exportTo = z.array(z.string()).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((ns, i) => {
    if (seen.has(ns)) fail(ctx, [i], `"${ns}" is listed twice in exportTo`, 'remove the duplicate');
    else if (ns !== '.' && ns !== '*' && !isDns1123Label(ns)) fail(ctx, [i], `"${ns}" is not a valid exportTo value`, 'use ".", "*" or a namespace name');
    seen.add(ns);
  });
  if (seen.has('*') && list.length > 1) fail(ctx, [list.indexOf('*')], 'exportTo cannot list "*" together with other values', 'use "*" alone to export everywhere');
});

const fields = obj({
  hosts: z.array(z.string()).optional(),
  gateways: gatewayNames.optional(),
  http: z.array(httpRoute).optional(),
  tls: z.array(tlsRoute).optional(),
  tcp: z.array(tcpRoute).optional(),
  exportTo: exportTo.optional(),
});

type Fields = z.infer<typeof fields>;
type Ctx = z.core.$RefinementCtx<Fields>;

/** Routes apply to gateways only unless `gateways` is empty (implicitly `mesh`) or names `mesh`. */
function boundToGatewaysOnly(vs: Fields): boolean {
  return (vs.gateways?.length ?? 0) > 0 && !vs.gateways?.includes(MESH_GATEWAY);
}

function checkHosts(vs: Fields, ctx: Ctx): void {
  const hosts = vs.hosts ?? [];
  if (hosts.length === 0) {
    // Only a delegate VirtualService (named by another one's `delegate`) has no hosts.
    const offending = (['gateways', 'tls', 'tcp'] as const).find((k) => (vs[k]?.length ?? 0) > 0);
    if (offending) {
      fail(ctx, ['hosts'], 'at least one host is required',
        `only a delegate VirtualService may omit hosts, and it cannot have ${offending}; add the hosts this routing applies to`);
    }
    return;
  }
  const gatewayOnly = boundToGatewaysOnly(vs);
  let allValid = true;
  hosts.forEach((h, i) => {
    if (isIpAddress(h)) return;
    if (h === '*') {
      if (!gatewayOnly) {
        fail(ctx, ['hosts', i], 'the wildcard host "*" is not allowed for a VirtualService that applies to the mesh',
          'name the services, or bind the VirtualService to gateways only (without "mesh")');
        allValid = false;
      }
      return;
    }
    const err = wildcardDomainError(h);
    if (err) {
      fail(ctx, ['hosts', i], err, HOST_HINT);
      allValid = false;
    }
  });
  if (!allValid) return;
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      if (hostsOverlap(hosts[i] as string, hosts[j] as string)) {
        fail(ctx, ['hosts', j], `hosts "${hosts[i]}" and "${hosts[j]}" overlap`, 'list each host once; a wildcard already covers the names under it');
      }
    }
  }
}

function checkSniHosts(vs: Fields, ctx: Ctx): void {
  const hosts = vs.hosts ?? [];
  vs.tls?.forEach((route, r) => route.match.forEach((m, k) => m.sniHosts.forEach((sni, s) => {
    if (isIpAddress(sni) || hosts.some((h) => hostSubsetOf(sni, h))) return;
    fail(ctx, ['tls', r, 'match', k, 'sniHosts', s], `SNI host "${sni}" is not within any of the hosts [${hosts.join(', ')}]`,
      'every SNI host must equal one of the VirtualService hosts or fall under one of its wildcards');
  })));
}

function checkHttpRoutes(vs: Fields, ctx: Ctx): void {
  const isDelegate = (vs.hosts?.length ?? 0) === 0;
  const meshBound = !boundToGatewaysOnly(vs);
  vs.http?.forEach((route, r) => {
    if (isDelegate && route.delegate) {
      fail(ctx, ['http', r, 'delegate'], 'a delegate VirtualService cannot delegate again', 'Istio supports one level of delegation');
    }
    if (!meshBound) return;
    route.match?.forEach((m, k) => {
      for (const field of ['headers', 'withoutHeaders'] as const) {
        for (const name of Object.keys(m[field] ?? {})) {
          if (name.startsWith(JWT_CLAIM_PREFIX)) {
            fail(ctx, ['http', r, 'match', k, field, name], 'routing on JWT claims works only on gateways',
              'bind this VirtualService to gateways (without "mesh"), or match a plain header');
          }
        }
      }
    });
  });
}

export const virtualServiceSpec = fields.superRefine((vs, ctx) => {
  if (!vs.http?.length && !vs.tls?.length && !vs.tcp?.length) {
    fail(ctx, [], 'a VirtualService needs http, tls or tcp routes', 'add e.g. http: [{route: [{destination: {host: reviews}}]}]');
  }
  checkHosts(vs, ctx);
  checkSniHosts(vs, ctx);
  checkHttpRoutes(vs, ctx);
});

export type VirtualServiceSpec = z.infer<typeof virtualServiceSpec>;
