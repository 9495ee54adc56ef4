// What the connection manager tells the rest of the proxy about each stream: a hook before the
// request goes upstream (tracing injects its headers there) and one when the stream is done
// (metrics, access logs). The proxy wires observability in here; tests may pass their own.
import type { HttpStream } from './stream.js';

export interface StreamSummary {
  stream: HttpStream;
  responseCode: number;
  responseCodeDetails: string;
  grpcStatus?: number;
  requestBytes: number;
  responseBytes: number;
  durationMs: number;
  /** Response headers as sent, for metadata exchange. */
  responseHeaders: Record<string, string | string[]>;
}

export interface ProxyObserver extends TcpObserver {
  /** A request arrived (before any filter); may read and strip headers (metadata exchange). */
  onRequestHeaders?(stream: HttpStream): void;
  /** A response is about to go through the encode chain; may read or add headers. */
  onResponseHeaders?(stream: HttpStream, headers: Record<string, string | string[]>): void;
  /** Just before the router sends the request upstream; may add headers. */
  onUpstreamRequest?(stream: HttpStream, headers: Record<string, string | string[]>): void;
  onStreamComplete?(summary: StreamSummary): void;
}

export const NO_OBSERVER: ProxyObserver = {};

export interface TcpSummary {
  listener: string;
  direction: 'inbound' | 'outbound' | 'gateway';
  cluster: string;
  upstreamHost?: string;
  downstreamRemote: string;
  downstreamLocal: string;
  sentBytes: number;
  receivedBytes: number;
  durationMs: number;
  flag?: string;
  upstreamTransportFailureReason?: string;
  startTime: number;
  /** The downstream connection was TLS-terminated by the chain. */
  tls?: boolean;
  /** The URI SAN of the client's verified certificate (mutual TLS), for source_principal. */
  peerPrincipal?: string;
}

export interface TcpObserver {
  onTcpOpen?(listener: string, direction: TcpSummary['direction'], cluster: string): void;
  onTcpComplete?(summary: TcpSummary): void;
}
