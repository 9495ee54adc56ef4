// RDS: a RouteConfiguration is kept in its object form (the router's route-match reads it as
// is) after checking that every route leads somewhere the proxy can act on, and the clusters it
// names are listed so the proxy can tell which ones a route needs.
import { compileRe2 } from '../../api/fields/re2.js';
import { TYPE_URL } from '../../control/xds/resource.js';
import { asFields, decodeResource, list, reject, wrapped, type AnyResource, type Decoded, type Fields } from './fields.js';

export interface RouteConfig {
  name: string;
  /** Every cluster a route may forward to, sorted. */
  clusters: string[];
  /** The RouteConfiguration in object form, for `matchRoute`. */
  raw: Fields;
}

/**
 * Every RE2 regex in a route (match paths, header and query matchers, regex_rewrite) must
 * compile: the router evaluates them per request, so a bad one is NACKed here, not hit later.
 */
function checkRegexes(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkRegexes(v, `${path}[${i}]`));
    return;
  }
  const fields = asFields(value);
  if (!fields) return;
  for (const [key, v] of Object.entries(fields)) {
    const regex = asFields(v)?.regex;
    if ((key === 'safe_regex' || key === 'safe_regex_match' || key === 'pattern') && typeof regex === 'string') {
      try {
        compileRe2(regex);
      } catch (err) {
        reject(`${path}.${key}.regex`, `"${regex}" is not a valid RE2 regex: ${(err as Error).message}`);
      }
    } else if (key !== 'typed_per_filter_config') {
      checkRegexes(v, `${path}.${key}`);
    }
  }
}

/** Checks one route's action and adds the clusters it names. */
function checkRoute(route: Fields, path: string, clusters: Set<string>): void {
  if (!asFields(route.match)) reject(`${path}.match`, 'is missing');
  checkRegexes(route.match, `${path}.match`);
  checkRegexes(asFields(route.route)?.regex_rewrite, `${path}.route.regex_rewrite`);
  if (route.redirect !== undefined || route.direct_response !== undefined || route.non_forwarding_action !== undefined) return;
  const action = asFields(route.route);
  if (!action) return reject(path, 'has no action (expected route, redirect, direct_response or non_forwarding_action)');
  if (typeof action.cluster === 'string' && action.cluster !== '') {
    clusters.add(action.cluster);
    return;
  }
  const weighted = asFields(action.weighted_clusters);
  if (weighted) {
    const entries = list(weighted.clusters);
    if (entries.length === 0) reject(`${path}.route.weighted_clusters.clusters`, 'is empty');
    let total = 0;
    entries.forEach((c, i) => {
      if (typeof c.name !== 'string' || c.name === '') reject(`${path}.route.weighted_clusters.clusters[${i}].name`, 'is empty');
      total += wrapped(c.weight) ?? 0;
      clusters.add(c.name as string);
    });
    if (total <= 0) reject(`${path}.route.weighted_clusters`, 'weights add up to 0');
    return;
  }
  if (action.cluster_header !== undefined) reject(`${path}.route.cluster_header`, 'is not supported; name the cluster');
  if (action.cluster_specifier_plugin !== undefined || action.inline_cluster_specifier_plugin !== undefined) {
    reject(`${path}.route`, 'cluster specifier plugins are not supported; name the cluster');
  }
  reject(`${path}.route`, 'names no cluster (expected cluster or weighted_clusters)');
}

/** A RouteConfiguration in object form (RDS, or inline in an HttpConnectionManager). */
export function checkRouteConfig(config: Fields, field: string): string[] {
  const clusters = new Set<string>();
  const at = (suffix: string) => (field === '' ? suffix : `${field}.${suffix}`);
  list(config.virtual_hosts).forEach((vhost, v) => {
    const path = at(`virtual_hosts[${v}]`);
    if (list(vhost.domains).length === 0) reject(`${path}.domains`, `virtual host "${String(vhost.name ?? '')}" has no domains`);
    list(vhost.routes).forEach((route, r) => checkRoute(route, `${path}.routes[${r}]`, clusters));
  });
  return [...clusters].sort();
}

export function decodeRoute(any: AnyResource): Decoded<RouteConfig> {
  return decodeResource(any, { typeUrl: TYPE_URL.ROUTE, kind: 'RouteConfiguration', nameField: 'name' }, (config, name) => ({
    name,
    clusters: checkRouteConfig(config, ''),
    raw: config,
  }));
}
