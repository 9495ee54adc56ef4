// Reading a filter's typed_per_filter_config. Most filters want the most specific entry, which
// the stream hands out; CORS and header mutation merge every level (route, virtual host, route
// configuration), so they walk the route's and the virtual host's entries themselves and add the
// stream's answer when neither has one (it is then the route configuration's). An entry may be wrapped in
// envoy.config.route.v3.FilterConfig (`{config, is_optional, disabled}`); the wrapper is removed.
import type { Fields, HttpStream } from '../stream.js';
import { asFields } from './config-fields.js';

const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

/** The filter's own config inside an entry (undefined for a FilterConfig with no config). */
export function unwrapPerFilter(entry: unknown): Fields | undefined {
  const f = asFields(entry);
  if (!f) return undefined;
  if (f['@type'] === FILTER_CONFIG) return asFields(f.config);
  return f;
}

/** The most specific per-route config of the filter named `name`. */
export function mostSpecific(stream: HttpStream, name: string): Fields | undefined {
  return unwrapPerFilter(stream.perFilterConfig(name));
}

function entryOf(holder: Fields | undefined, name: string): Fields | undefined {
  return unwrapPerFilter(asFields(holder?.typed_per_filter_config)?.[name]);
}

/** Every level's per-route config, most specific first. */
export function allLevels(stream: HttpStream, name: string): Fields[] {
  const out: Fields[] = [];
  const route = entryOf(stream.route?.route, name);
  const vhost = entryOf(stream.route?.virtualHost, name);
  if (route) out.push(route);
  if (vhost) out.push(vhost);
  if (out.length > 0) return out;
  // Nothing on the route or virtual host: whatever the stream finds is the route configuration's.
  // When the route or virtual host has one, a route-configuration entry is not reachable from
  // the stream and is left out.
  const specific = mostSpecific(stream, name);
  return specific ? [specific] : [];
}
