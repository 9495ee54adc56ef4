// Proxies that look the same to translation get the same resources, generated once per
// PushContext and shared (Istio's XdsCache plays this part). Sharing the objects also lets the
// xDS layer encode each one once. The key holds exactly what translation reads from a proxy.
import type { PushContext } from '../model/push-context.js';
import type { ProxyNode } from '../model/proxy.js';
import type { TypeUrl, XdsResource } from '../xds/resource.js';
import { TYPE_URL } from '../xds/resource.js';
import { namesKey } from '../xds/names-key.js';

export interface Generator {
  generate(proxy: ProxyNode, push: PushContext, names: readonly string[] | undefined): XdsResource[];
}

/** Keys per proxy object: a stream's ProxyNode never changes, and a push asks once per stream. */
const keys = new WeakMap<ProxyNode, Map<TypeUrl, string>>();

/** What makes two proxies' resources of `typeUrl` identical. */
export function proxyKey(typeUrl: TypeUrl, proxy: ProxyNode): string {
  let byType = keys.get(proxy);
  if (!byType) keys.set(proxy, (byType = new Map()));
  let key = byType.get(typeUrl);
  if (key === undefined) byType.set(typeUrl, (key = computeProxyKey(typeUrl, proxy)));
  return key;
}

function computeProxyKey(typeUrl: TypeUrl, proxy: ProxyNode): string {
  // Inbound listeners and clusters are built from the workload's own endpoints and app ports,
  // so a registered sidecar's LDS/CDS are its own.
  const own = proxy.registration && (typeUrl === TYPE_URL.LISTENER || typeUrl === TYPE_URL.CLUSTER)
    ? [proxy.id, proxy.metadata.ISTHMUS_APP_PORTS ?? null]
    : null;
  // Whether the HTTP-proxy-mode listener and its table exist, and its port, come from the node.
  const httpProxy = typeUrl === TYPE_URL.LISTENER || typeUrl === TYPE_URL.ROUTE ? proxy.httpProxyPort ?? null : null;
  return JSON.stringify([proxy.type, proxy.namespace, sorted(proxy.labels), proxy.locality ?? null, own, httpProxy]);
}

function sorted(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function cachedGenerators(generators: ReadonlyMap<TypeUrl, Generator>): Map<TypeUrl, Generator> {
  const out = new Map<TypeUrl, Generator>();
  for (const [typeUrl, generator] of generators) {
    const byPush = new WeakMap<PushContext, Map<string, Map<string, XdsResource[]>>>();
    out.set(typeUrl, {
      generate(proxy, push, names) {
        let cache = byPush.get(push);
        if (!cache) byPush.set(push, (cache = new Map()));
        const key = proxyKey(typeUrl, proxy);
        let byNames = cache.get(key);
        if (!byNames) cache.set(key, (byNames = new Map()));
        // Two levels, not one joined key: a names key can be long (a thousand cluster names),
        // and the same key string object hashes once, where a new joined string would each time.
        const listKey = namesKey(names);
        let resources = byNames.get(listKey);
        if (!resources) byNames.set(listKey, (resources = generator.generate(proxy, push, names)));
        return resources;
      },
    });
  }
  return out;
}
