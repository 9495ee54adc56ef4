// `proxy-config routes`: one row per route of every route configuration the proxy holds — RDS
// ones, and those inline in a listener (inbound) — with the VirtualService that made it.
import { arr, configPathName, firstAndMore, istioConfigPath, obj, str, type Json } from './json.js';
import type { ProxyConfigInput, Section } from './section.js';

/** istioctl's short form of a route match: `/*` for prefix `/`, `/api*`, exact paths, regexes, plus headers. */
export function routeMatch(match: Json): string {
  let path = '-';
  if (str(match.prefix) !== undefined) path = `${str(match.prefix)}*`;
  else if (str(match.path) !== undefined) path = str(match.path)!;
  else if (str(match.path_separated_prefix) !== undefined) path = `${str(match.path_separated_prefix)}/*`;
  else if (match.safe_regex !== undefined) path = `regex ${str(obj(match.safe_regex).regex) ?? '?'}`;
  const headers = arr(match.headers).map((h) => str(obj(h).name)).filter((n): n is string => !!n);
  return headers.length ? `${path} (headers: ${headers.join(',')})` : path;
}

/** Where a route sends a request. */
export function routeDestination(route: Json): string {
  const action = obj(route.route);
  if (str(action.cluster)) return str(action.cluster)!;
  const weighted = arr(obj(action.weighted_clusters).clusters).map(obj);
  if (weighted.length) return weighted.map((c) => `${str(c.name)} ${str(obj(c.weight).value) ?? str(c.weight) ?? ''}`.trim()).join(', ');
  if (str(action.cluster_header)) return `cluster from header ${str(action.cluster_header)}`;
  if (route.redirect !== undefined) return 'redirect';
  if (route.direct_response !== undefined) return `direct response ${str(obj(route.direct_response).status) ?? ''}`.trim();
  return '-';
}

/**
 * The VirtualService behind a route, as `name.namespace`: from Istio's route metadata when the
 * manager sets it; else from the route name the manager gives unnamed VirtualService routes
 * (`NS.NAME.INDEX`), checked against its config when it can be read; else from a named http
 * route of a VirtualService for the virtual host's service; else from a gateway's virtual host
 * name (`NS/NAME:PORT`).
 */
export function virtualServiceOf(route: Json, vhost: Json, config: Json[] | undefined): string {
  const fromMetadata = configPathName(istioConfigPath(route.metadata));
  if (fromMetadata) return fromMetadata;
  const services = (config ?? []).filter((r) => r.kind === 'VirtualService');
  const exists = (name: string, ns: string) => !config || services.some((vs) => obj(vs.metadata).name === name && obj(vs.metadata).namespace === ns);
  const routeName = str(route.name) ?? '';
  const generated = /^([a-z0-9-]+)\.([a-z0-9.-]+)\.(\d+)(?:\..*)?$/.exec(routeName);
  if (generated && exists(generated[2]!, generated[1]!)) return `${generated[2]}.${generated[1]}`;
  const host = (str(vhost.name) ?? '').replace(/:\d+$/, '');
  const named = services.find((vs) => arr(obj(vs.spec).hosts).includes(host) && arr(obj(vs.spec).http).some((h) => routeName === str(obj(h).name) || routeName.startsWith(`${str(obj(h).name)}.`)));
  if (named) return `${str(obj(named.metadata).name)}.${str(obj(named.metadata).namespace)}`;
  const gateway = /^([a-z0-9-]+)\/([a-z0-9.-]+):\d+$/.exec(str(vhost.name) ?? '');
  if (gateway && exists(gateway[2]!, gateway[1]!)) return `${gateway[2]}.${gateway[1]}`;
  return '-';
}

/** Every route configuration: RDS ones, then those inline in listeners (once each: an inbound listener's TLS and plain-text chains share one). */
function routeConfigs(dump: Json): Json[] {
  const inline = new Map<string, Json>();
  for (const l of arr(dump.listeners)) {
    for (const c of arr(obj(l).filter_chains)) {
      for (const f of arr(obj(c).filters)) {
        const rc = obj(obj(obj(f).typed_config).route_config);
        const name = str(rc.name);
        if (name !== undefined && !inline.has(name)) inline.set(name, rc);
      }
    }
  }
  return [...arr(dump.routes).map(obj), ...inline.values()];
}

export const routesSection: Section = {
  name: 'routes',
  header: ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE', 'DESTINATION'],
  needs: ['config'],
  empty: 'The proxy has no routes.',
  rows({ dump, config }: ProxyConfigInput) {
    return routeConfigs(dump).flatMap((rc) =>
      arr(rc.virtual_hosts).map(obj).flatMap((vh) => {
        const domains = arr(vh.domains).map(str).filter((d): d is string => !!d);
        return arr(vh.routes).map(obj).map((r) => [str(rc.name) ?? '-', str(vh.name) ?? '-', firstAndMore(domains), routeMatch(obj(r.match)), virtualServiceOf(r, vh, config), routeDestination(r)]);
      }),
    );
  },
  raw: ({ dump }) => dump.routes,
};
