// Protocols as Istio infers them: an explicit protocol wins, otherwise the port name's prefix
// up to the first "-" (`http-web` → HTTP, `grpc` → GRPC, `grpc-web` → GRPC-WEB).
import { isHttpProtocol, parseProtocol } from '../api/networking/protocol.js';
import type { PortProtocol } from './types.js';

/** Parses a protocol name in any case; undefined when it is not one. */
export function parseProtocolName(text: string | undefined): PortProtocol | undefined {
  return text ? parseProtocol(text) : undefined;
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
  return parseProtocol(lower.split('-')[0] ?? '') ?? 'TCP';
}

/** Protocols whose requests carry an authority, so they are routed by HTTP route tables. */
export function isHttpLike(p: PortProtocol): boolean {
  return isHttpProtocol(p);
}
