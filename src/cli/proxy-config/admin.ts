// Reading one proxy's admin port: /config_dump (the config as the proxy holds it), /clusters
// (live per-endpoint health, outlier ejections included) and /certs (its mesh secrets).
import { fetchFailure, ProxyConfigError } from './errors.js';
import type { Json } from './json.js';

export interface ProxyAdmin {
  /** `host:port` of the admin port. */
  address: string;
  configDump(): Promise<Json>;
  clustersText(): Promise<string>;
  certs(): Promise<Json>;
}

export function proxyAdmin(address: string, proxyName: string): ProxyAdmin {
  const get = async (path: string): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`http://${address}${path}`);
    } catch (err) {
      throw new ProxyConfigError('ADMIN_UNREACHABLE', `cannot reach the admin port of ${proxyName} at http://${address}${path} (${fetchFailure(err)}); is the proxy still running? (--admin HOST:PORT names it directly)`);
    }
    if (!res.ok) throw new ProxyConfigError('ADMIN_UNREACHABLE', `the admin port of ${proxyName} at http://${address}${path} answered HTTP ${res.status}: ${(await res.text()).trim()}`);
    return res;
  };
  return {
    address,
    configDump: async () => (await (await get('/config_dump')).json()) as Json,
    clustersText: async () => (await get('/clusters')).text(),
    certs: async () => (await (await get('/certs')).json()) as Json,
  };
}
