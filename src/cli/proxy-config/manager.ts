// Finding a proxy through the manager: its /debug/syncz lists every connected proxy with the
// admin address the proxy advertised (node metadata ISTHMUS_ADMIN), and /debug/configz the
// config, which names the DestinationRule and VirtualService behind clusters and routes.
import { fetchFailure, ProxyConfigError } from './errors.js';
import type { Json } from './json.js';

export interface ConnectedProxy {
  id: string;
  type: string;
  admin?: string;
}

/** `--monitoring-address` as HOST:PORT or an http URL → the manager's origin, or undefined if it is neither. */
export function managerUrl(flag: string): string | undefined {
  try {
    const u = new URL(/^[a-z]+:\/\//i.test(flag) ? flag : `http://${flag}`);
    return u.protocol === 'http:' && u.hostname && (u.pathname === '/' || u.pathname === '') ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

async function getJson(base: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`);
  } catch (err) {
    throw new ProxyConfigError('MANAGER_UNREACHABLE', `cannot reach the manager at ${base}${path} (${fetchFailure(err)}); is \`isthmus control-plane\` running? Point --monitoring-address at its monitoring port, or give --admin HOST:PORT to ask a proxy directly`);
  }
  if (!res.ok) throw new ProxyConfigError('MANAGER_UNREACHABLE', `${base}${path} answered HTTP ${res.status}; is --monitoring-address the manager's monitoring port (15014 by default)?`);
  return res.json();
}

/** Every connected proxy, once each (a reconnecting proxy may briefly have two streams). */
export async function connectedProxies(base: string): Promise<ConnectedProxy[]> {
  const byId = new Map<string, ConnectedProxy>();
  for (const p of (await getJson(base, '/debug/syncz')) as ConnectedProxy[]) {
    const seen = byId.get(p.id);
    if (!seen || (!seen.admin && p.admin)) byId.set(p.id, p);
  }
  return [...byId.values()];
}

/** The config the manager holds (Istio resources), or undefined when it cannot be read. */
export async function managerConfig(base: string): Promise<Json[] | undefined> {
  try {
    return ((await getJson(base, '/debug/configz')) as { resources: Json[] }).resources;
  } catch {
    return undefined;
  }
}

/** The workload part of an Istio node id: `sidecar~IP~reviews-123.default~…` → `reviews-123.default`. */
function workloadOf(id: string): string {
  return id.split('~')[2] ?? id;
}

/**
 * The proxy `query` names: its exact id, or the one proxy whose id or workload name
 * (`reviews-123.default`, so a service name such as `reviews` works) starts with it.
 */
export function findProxy(proxies: readonly ConnectedProxy[], query: string, base: string): ConnectedProxy {
  const exact = proxies.find((p) => p.id === query);
  if (exact) return exact;
  const matches = proxies.filter((p) => p.id.startsWith(query) || workloadOf(p.id).startsWith(query));
  if (matches.length === 1) return matches[0]!;
  const list = (ps: readonly ConnectedProxy[]) => ps.map((p) => `  ${p.id}`).join('\n');
  if (matches.length > 1) throw new ProxyConfigError('PROXY_AMBIGUOUS', `"${query}" matches ${matches.length} proxies; give more of the id:\n${list(matches)}`);
  if (proxies.length === 0) throw new ProxyConfigError('PROXY_NOT_FOUND', `no proxy "${query}": no proxies are connected to the manager at ${base}`);
  throw new ProxyConfigError('PROXY_NOT_FOUND', `no proxy "${query}" is connected to the manager at ${base}; connected proxies (see isthmus proxy-status):\n${list(proxies)}`);
}

/** Where the proxy's admin port is, as it told the manager. */
export function adminAddressOf(proxy: ConnectedProxy): string {
  if (proxy.admin) return proxy.admin;
  const why = proxy.type === 'proxyless' ? 'it is a proxyless gRPC client, which has no admin port' : 'it did not advertise one (node metadata ISTHMUS_ADMIN)';
  throw new ProxyConfigError('NO_ADMIN_ADDRESS', `proxy ${proxy.id} has no known admin address: ${why}; give --admin HOST:PORT if it has one`);
}
