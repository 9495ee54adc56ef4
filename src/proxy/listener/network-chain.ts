// A filter chain's network filters read into the one terminal filter the proxy runs for it:
// an HTTP connection manager or a TCP proxy. Anything else rejects the listener.
import { ConnectionManager, type ConnectionManagerDeps } from '../http/connection-manager.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { readHcm } from '../http/hcm-config.js';
import { HCM_TYPE_URL } from '../xds-client/listener.js';
import { asFields, list, reject } from '../xds-client/fields.js';
import { readChainMatch, type ChainMatch } from './filter-chain-match.js';
import { readTcpProxy, TCP_PROXY_TYPE_URL, type TcpProxyConfig } from './tcp-proxy.js';

type Fields = Record<string, unknown>;

export type Terminal = { kind: 'http'; hcm: ConnectionManager } | { kind: 'tcp'; tcp: TcpProxyConfig };

export interface NetworkChain {
  name: string;
  match: ChainMatch;
  terminal: Terminal;
}

export function readNetworkChain(
  chain: Fields,
  field: string,
  factories: ReadonlyMap<string, HttpFilterFactory>,
  deps: ConnectionManagerDeps,
  direction: 'inbound' | 'outbound' | 'gateway',
): NetworkChain {
  if (chain.transport_socket !== undefined) {
    reject(`${field}.transport_socket`, 'TLS termination on listeners is not supported yet (the security work adds it)');
  }
  const filters = list(chain.filters);
  if (filters.length === 0) reject(`${field}.filters`, 'is empty');
  let terminal: Terminal | undefined;
  filters.forEach((f, i) => {
    const at = `${field}.filters[${i}]`;
    const config = asFields(f.typed_config) ?? {};
    const type = String(config['@type'] ?? '');
    if (terminal) reject(at, `filter "${String(f.name ?? '')}" comes after the terminal filter`);
    if (type === HCM_TYPE_URL) terminal = { kind: 'http', hcm: new ConnectionManager(readHcm(config, `${at}.typed_config`, factories, deps.log), deps, direction) };
    else if (type === TCP_PROXY_TYPE_URL) terminal = { kind: 'tcp', tcp: readTcpProxy(config, `${at}.typed_config`) };
    else reject(`${at}.typed_config`, `network filter "${String(f.name ?? '')}" of type ${type || '(none)'} is not supported (http_connection_manager or tcp_proxy)`);
  });
  return { name: String(chain.name ?? ''), match: readChainMatch(chain), terminal: terminal! };
}
