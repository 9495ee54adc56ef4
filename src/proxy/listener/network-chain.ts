// A filter chain read into what the proxy runs for it: its TLS termination, if any
// (transport_socket; tls-termination.ts), and the one terminal network filter — an HTTP
// connection manager or a TCP proxy. Anything else rejects the listener.
import { ConnectionManager, type ConnectionManagerDeps } from '../http/connection-manager.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { readHcm } from '../http/hcm-config.js';
import { HCM_TYPE_URL } from '../xds-client/listener.js';
import { asFields, list, reject } from '../xds-client/fields.js';
import { DownstreamTlsMaterial } from './downstream-tls.js';
import { readChainMatch, type ChainMatch } from './filter-chain-match.js';
import { readTcpProxy, TCP_PROXY_TYPE_URL, type TcpProxyConfig } from './tcp-proxy.js';
import { readDownstreamTls } from './tls-termination.js';

type Fields = Record<string, unknown>;

export type Terminal = { kind: 'http'; hcm: ConnectionManager } | { kind: 'tcp'; tcp: TcpProxyConfig };

export interface NetworkChain {
  name: string;
  match: ChainMatch;
  terminal: Terminal;
  /** TLS terminated before the terminal sees the connection. */
  tls?: DownstreamTlsMaterial;
}

/** ALPN a chain offers when its DownstreamTlsContext names none: what its terminal speaks. */
function terminalAlpn(terminal: Terminal): string[] {
  if (terminal.kind === 'tcp') return [];
  const codec = terminal.hcm.config.codec;
  return codec === 'HTTP1' ? ['http/1.1'] : codec === 'HTTP2' ? ['h2'] : ['h2', 'http/1.1'];
}

export function readNetworkChain(
  chain: Fields,
  field: string,
  factories: ReadonlyMap<string, HttpFilterFactory>,
  deps: ConnectionManagerDeps,
  direction: 'inbound' | 'outbound' | 'gateway',
): NetworkChain {
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
  const tls = readDownstreamTls(chain, field, terminalAlpn(terminal!));
  return { name: String(chain.name ?? ''), match: readChainMatch(chain), terminal: terminal!, ...(tls ? { tls: new DownstreamTlsMaterial(tls) } : {}) };
}
