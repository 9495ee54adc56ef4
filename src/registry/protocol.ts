// Protocols as Istio infers them: an explicit protocol wins, otherwise the port name's prefix
// up to the first "-" (`http-web` → HTTP, `grpc` → GRPC, `grpc-web` → GRPC-WEB).
import type { PortProtocol } from './types.js';

const KNOWN: Record<string, PortProtocol> = {
  http: 'HTTP', http2: 'HTTP2', grpc: 'GRPC', 'grpc-web': 'GRPC-WEB', https: 'HTTPS', tls: 'TLS', tcp: 'TCP',
  mongo: 'MONGO', redis: 'REDIS', mysql: 'MYSQL', udp: 'UDP', 'http_proxy': 'HTTP_PROXY',
};

/** Parses a protocol name in any case; undefined when it is not one. */
export function parseProtocolName(text: string | undefined): PortProtocol | undefined {
  if (!text) return undefined;
  return KNOWN[text.toLowerCase()];
}

/**
 * The protocol a port named `name` carries. Istio sniffs unnamed/unknown ports; Isthmus has no
 * sniffing yet, so such ports are plain TCP (documented in docs/xds-mapping.md).
 */
export function protocolFromPortName(name: string, explicit?: string): PortProtocol {
  const fromExplicit = parseProtocolName(explicit);
  if (fromExplicit) return fromExplicit;
  const lower = name.toLowerCase();
  if (lower === 'grpc-web' || lower.startsWith('grpc-web-')) return 'GRPC-WEB';
  const prefix = lower.split('-')[0] ?? '';
  return KNOWN[prefix] ?? 'TCP';
}

/** Protocols whose requests carry an authority, so they are routed by HTTP route tables. */
export function isHttpLike(p: PortProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB' || p === 'HTTP_PROXY';
}
