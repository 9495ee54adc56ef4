// A filter chain read into what the proxy runs for it: its TLS termination, if any
// (transport_socket; tls-termination.ts), and the one terminal network filter — an HTTP
// connection manager or a TCP proxy — and, ahead of a TCP proxy, the network filters in
// ../network-filters (the Mixer TCP filter). Anything else rejects the listener.
import { ConnectionManager, type ConnectionManagerDeps } from '../http/connection-manager.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { readHcm } from '../http/hcm-config.js';
import { HCM_TYPE_URL } from '../xds-client/listener.js';
import { asFields, list, reject } from '../xds-client/fields.js';
import { NETWORK_FILTERS, networkFilterType, readNetworkFilter, type NetworkFilter } from '../network-filters/index.js';
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
  /** Network filters run on each connection before the TCP proxy (network-filters/admit.ts). */
  filters?: NetworkFilter[];
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
  const before: NetworkFilter[] = [];
  filters.forEach((f, i) => {
    const at = `${field}.filters[${i}]`;
    const config = asFields(f.typed_config) ?? {};
    const type = String(config['@type'] ?? '');
    if (terminal) reject(at, `filter "${String(f.name ?? '')}" comes after the terminal filter`);
    if (type === HCM_TYPE_URL) terminal = { kind: 'http', hcm: new ConnectionManager(readHcm(config, `${at}.typed_config`, factories, deps.log), deps, direction) };
    else if (type === TCP_PROXY_TYPE_URL) terminal = { kind: 'tcp', tcp: readTcpProxy(config, `${at}.typed_config`) };
    else if (NETWORK_FILTERS.has(networkFilterType(f))) before.push(readNetworkFilter(f, at, deps.log));
    else reject(`${at}.typed_config`, `network filter "${String(f.name ?? '')}" of type ${type || '(none)'} is not supported (http_connection_manager or tcp_proxy)`);
  });
  if (!terminal) reject(`${field}.filters`, 'ends without a terminal filter (http_connection_manager or tcp_proxy)');
  if (before.length > 0 && terminal.kind !== 'tcp') reject(`${field}.filters`, 'network filters before http_connection_manager are not supported (the Mixer filter for HTTP is an http_filters entry)');
  const tls = readDownstreamTls(chain, field, terminalAlpn(terminal));
  return {
    name: String(chain.name ?? ''), match: readChainMatch(chain), terminal, ...(tls ? { tls: new DownstreamTlsMaterial(tls) } : {}),
    ...(before.length > 0 ? { filters: before } : {}),
  };
}
