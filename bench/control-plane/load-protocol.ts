// Messages between the bench and its load process (Node IPC). Times are epoch milliseconds with
// sub-millisecond precision (performance.timeOrigin + performance.now()), comparable across
// the two processes on one machine.

/** How a simulated sidecar recognises the response that carries the change being measured. */
export type Probe =
  | { kind: 'endpoint-address'; cluster: string; address: string }
  | { kind: 'route-weights'; route: string; domain: string; weights: Record<string, number> };

export type ToLoad =
  | { type: 'connect'; port: number; clients: number; timeoutMs: number; httpProxyPort?: number }
  | { type: 'arm'; probe: Probe }
  | { type: 'await-acks'; timeoutMs: number }
  | { type: 'quiet'; quietMs: number; timeoutMs: number }
  | { type: 'close' };

/** Responses and bytes received per xDS type (short names: CDS, EDS, LDS, RDS). */
export type PerType = Record<string, number>;

export interface SyncReport {
  type: 'synced';
  startedAt: number;
  /** Per synced client: when it had ACKed CDS, EDS, LDS and RDS once each. */
  syncedAt: number[];
  clients: number;
  failed: number;
  errors: string[];
  timedOut: boolean;
  responses: PerType;
  bytes: PerType;
  loadCpuSeconds: number;
}

export interface AckReport {
  type: 'acks';
  /** Per client that saw the change: when it sent the ACK of the response carrying it. */
  ackedAt: number[];
  clients: number;
  timedOut: boolean;
  responses: PerType;
  bytes: PerType;
  loadCpuSeconds: number;
}

export type FromLoad =
  | SyncReport
  | { type: 'armed' }
  | AckReport
  | { type: 'quiet'; lastResponseAt: number; timedOut: boolean }
  | { type: 'failed'; message: string };

export function now(): number {
  return performance.timeOrigin + performance.now();
}
