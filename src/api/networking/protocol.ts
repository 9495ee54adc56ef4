// Port protocols as Istio names them (case-insensitive). An empty protocol means "sniff it".
export const PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'HTTP_PROXY', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS', 'UDP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export function parseProtocol(text: string): Protocol | undefined {
  const upper = text.toUpperCase();
  return PROTOCOLS.find((p) => p === upper);
}

/** Protocols whose requests carry a Host/:authority, so one port can serve many hosts. */
export function isHttpProtocol(text: string): boolean {
  const p = parseProtocol(text);
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** Protocols that carry TLS with SNI. */
export function isTlsProtocol(text: string): boolean {
  const p = parseProtocol(text);
  return p === 'HTTPS' || p === 'TLS';
}

export const PROTOCOL_HINT = `use one of ${PROTOCOLS.join(', ')} (any case), or leave it empty to let the proxy detect it`;
