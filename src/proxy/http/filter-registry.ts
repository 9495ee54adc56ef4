// Filter factories keyed by type URL: the built-ins plus the router bound to this proxy's clusters.
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { HttpFilterFactory } from './filter.js';
import { BUILTIN_HTTP_FILTERS } from './filters/index.js';
import { routerFilterFactory } from './filters/router.js';
import type { ProxyObserver } from './observer.js';

export function httpFilterFactories(clusters: ClusterManager, observer: ProxyObserver): Map<string, HttpFilterFactory> {
  const all = [...BUILTIN_HTTP_FILTERS, routerFilterFactory(clusters, observer)];
  return new Map(all.map((f) => [f.typeUrl, f]));
}
