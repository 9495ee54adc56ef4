// Resource names as Istio spells them, so tools that read Istio config dumps read ours.

export type Direction = 'outbound' | 'inbound';

/** `outbound|9080|v1|reviews.default.svc.cluster.local` (Istio's BuildSubsetKey). */
export function clusterName(direction: Direction, port: number, subset: string, host: string): string {
  return `${direction}|${port}|${subset}|${host}`;
}

export interface ParsedClusterName {
  direction: Direction;
  port: number;
  subset: string;
  host: string;
}

export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, host] = parts as [string, string, string, string];
  if (direction !== 'outbound' && direction !== 'inbound') return undefined;
  const n = Number(port);
  if (!Number.isInteger(n)) return undefined;
  return { direction, port: n, subset, host };
}

/** Sidecar outbound route tables are named by port, as Istio's `"9080"`. */
export function sidecarRouteName(port: number): string {
  return String(port);
}

/** The route table of the sidecar's HTTP-proxy-mode listener. */
export const HTTP_PROXY_ROUTE = 'http_proxy';

/**
 * Where bound outbound listeners listen when nothing else is said: loopback, because without
 * iptables capture the app reaches them by address, and nothing outside the host should.
 */
export const OUTBOUND_BIND = '127.0.0.1';

/** Outbound listeners are named `<address>_<port>`, as Istio's (`127.0.0.1_15001`, `0.0.0.0_9080`). */
export function outboundListenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/** Gateway route tables: `http.8080`. */
export function gatewayRouteName(port: number): string {
  return `http.${port}`;
}

/** Istio's SDS secret names for the workload certificate and the mesh root. */
export const SDS_WORKLOAD = 'default';
export const SDS_ROOT = 'ROOTCA';
