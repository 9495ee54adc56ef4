// LDS: a Listener becomes where it listens (or that it is an API listener) and which route
// configurations its HTTP connection managers want — by RDS name, or inline. Those RDS names are
// what the client subscribes to next, as Envoy does.
import { TYPE_URL } from '../../control/xds/resource.js';
import { asFields, decodeResource, list, reject, socketAddress, type AnyResource, type Decoded, type Fields } from './fields.js';
import { checkRouteConfig } from './route.js';

export const HCM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export interface ListenerConfig {
  name: string;
  /** Where it binds; absent for an API listener. */
  address?: { host: string; port: number };
  apiListener: boolean;
  /** RouteConfiguration names its HttpConnectionManagers fetch over RDS, sorted. */
  routeNames: string[];
  /** The decoded Listener, for the layers that build filter chains from it. */
  raw: Fields;
}

/** Reads one HttpConnectionManager: its RDS name, or checks its inline route configuration. */
function readHcm(hcm: Fields, field: string, routeNames: Set<string>): void {
  if (hcm.scoped_routes !== undefined) reject(`${field}.scoped_routes`, 'is not supported; use rds or route_config');
  const rds = asFields(hcm.rds);
  if (rds) {
    const name = typeof rds.route_config_name === 'string' ? rds.route_config_name : '';
    if (name === '') reject(`${field}.rds.route_config_name`, 'is empty');
    const source = asFields(rds.config_source);
    if (!source || source.ads === undefined) reject(`${field}.rds.config_source`, 'must be ads');
    routeNames.add(name);
    return;
  }
  const inline = asFields(hcm.route_config);
  if (inline) {
    checkRouteConfig(inline, `${field}.route_config`);
    return;
  }
  reject(field, 'HttpConnectionManager has neither rds nor route_config');
}

function readFilterChain(chain: Fields, field: string, routeNames: Set<string>): void {
  list(chain.filters).forEach((filter, i) => {
    const config = asFields(filter.typed_config);
    if (config?.['@type'] === HCM_TYPE_URL) readHcm(config, `${field}.filters[${i}].typed_config`, routeNames);
  });
}

export function decodeListener(any: AnyResource): Decoded<ListenerConfig> {
  return decodeResource(any, { typeUrl: TYPE_URL.LISTENER, kind: 'Listener', nameField: 'name' }, (l, name) => {
    const routeNames = new Set<string>();
    const api = asFields(l.api_listener);
    const out: ListenerConfig = { name, apiListener: api !== undefined, routeNames: [], raw: l };
    if (api) {
      const hcm = asFields(api.api_listener);
      if (!hcm || hcm['@type'] !== HCM_TYPE_URL) {
        reject('api_listener.api_listener', `must be an HttpConnectionManager, got ${String(hcm?.['@type'] ?? 'nothing')}`);
      }
      readHcm(hcm, 'api_listener.api_listener', routeNames);
    } else if (l.address !== undefined) {
      out.address = socketAddress(l.address, 'address');
      const chains = list(l.filter_chains);
      const fallback = asFields(l.default_filter_chain);
      if (chains.length === 0 && !fallback) reject('filter_chains', 'is empty and there is no default_filter_chain');
      chains.forEach((chain, i) => readFilterChain(chain, `filter_chains[${i}]`, routeNames));
      if (fallback) readFilterChain(fallback, 'default_filter_chain', routeNames);
    } else {
      reject('address', 'is missing and there is no api_listener; a listener needs one of them');
    }
    out.routeNames = [...routeNames].sort();
    return out;
  });
}
