// The contract of a network filter that runs ahead of a chain's terminal filter (Envoy's read
// filters before tcp_proxy): it sees each connection once, when it is accepted and any TLS is
// terminated, and says whether the connection may go on. A filter that needs the connection's
// later life (bytes, close) listens on its socket; the terminal filter owns the bytes.
import type * as net from 'node:net';

type Fields = Record<string, unknown>;

/** A downstream connection as a network filter sees it. */
export interface DownstreamConnection {
  /** The client's socket (a TLSSocket when the chain terminated TLS). */
  socket: net.Socket;
  listener: string;
  direction: 'inbound' | 'outbound' | 'gateway';
  /** When the connection was handed to the chain (ms since the epoch). */
  startTime: number;
  /** Whether the client presented a certificate the chain verified (mutual TLS). */
  mtls: boolean;
  /** The verified peer's first URI SAN (a SPIFFE id in the mesh). */
  peerPrincipal?: string;
  /** TLS SNI, when the chain terminated TLS. */
  serverName?: string;
}

/** 'continue' hands the connection on; 'stop' means the filter closed it. */
export type NetworkFilterStatus = 'continue' | 'stop';

export interface NetworkFilter {
  /** Called before the terminal filter sees a byte; a promise holds the connection's bytes until it settles. */
  onNewConnection(conn: DownstreamConnection): NetworkFilterStatus | Promise<NetworkFilterStatus>;
}

export interface NetworkFilterContext {
  /** The filter's name in the chain. */
  name: string;
  log(line: string): void;
}

export interface NetworkFilterFactory {
  typeUrl: string;
  /** Throws FilterConfigError (http/filter.ts) naming the bad field. */
  create(config: Fields, ctx: NetworkFilterContext): NetworkFilter;
}
