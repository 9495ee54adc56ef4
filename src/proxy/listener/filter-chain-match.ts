// Envoy's filter chain selection for an accepted connection: the most specific chain wins,
// criterion by criterion — destination port, then server name (SNI, exact before wildcard),
// then transport protocol, then application protocols (ALPN). A chain with no
// filter_chain_match matches everything; the listener's default_filter_chain catches the rest.
type Fields = Record<string, unknown>;

export interface ConnectionFacts {
  destinationPort: number;
  /** 'tls' when the first bytes are a TLS ClientHello, else 'raw_buffer'. */
  transportProtocol: 'tls' | 'raw_buffer';
  serverName?: string;
  alpn?: string[];
}

export interface ChainMatch {
  destinationPort?: number;
  serverNames: string[];
  transportProtocol?: string;
  applicationProtocols: string[];
}

export function readChainMatch(chain: Fields): ChainMatch {
  const m = (chain.filter_chain_match ?? {}) as Fields;
  const port = (m.destination_port as { value?: number } | undefined)?.value;
  return {
    ...(port !== undefined ? { destinationPort: Number(port) } : {}),
    serverNames: ((m.server_names as string[] | undefined) ?? []).map((s) => s.toLowerCase()),
    ...(typeof m.transport_protocol === 'string' && m.transport_protocol !== '' ? { transportProtocol: m.transport_protocol } : {}),
    applicationProtocols: (m.application_protocols as string[] | undefined) ?? [],
  };
}

/** Whether any chain needs to look inside the connection's first bytes (TLS ClientHello). */
export function needsSniffing(matches: readonly ChainMatch[]): boolean {
  return matches.some((m) => m.serverNames.length > 0 || m.transportProtocol !== undefined || m.applicationProtocols.length > 0);
}

function serverNameScore(names: string[], sni: string | undefined): number {
  if (names.length === 0) return 0;
  if (sni === undefined) return -1;
  if (names.includes(sni)) return 3;
  for (const n of names) if (n.startsWith('*.') && sni.endsWith(n.slice(1))) return 2;
  return -1;
}

/** Index of the best chain, or -1 (then the default chain, or close). */
export function selectChain(matches: readonly ChainMatch[], facts: ConnectionFacts): number {
  let best = -1;
  let bestScore: number[] = [];
  matches.forEach((m, i) => {
    if (m.destinationPort !== undefined && m.destinationPort !== facts.destinationPort) return;
    const sni = serverNameScore(m.serverNames, facts.serverName);
    if (sni < 0) return;
    if (m.transportProtocol !== undefined && m.transportProtocol !== facts.transportProtocol) return;
    if (m.applicationProtocols.length > 0 && !m.applicationProtocols.some((p) => facts.alpn?.includes(p))) return;
    const score = [m.destinationPort !== undefined ? 1 : 0, sni, m.transportProtocol !== undefined ? 1 : 0, m.applicationProtocols.length > 0 ? 1 : 0];
    if (best < 0 || compare(score, bestScore) > 0) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
