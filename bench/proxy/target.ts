// What every row of the proxy table is: something listening on loopback that answers
// `GET /` with the upstream's body — the upstream itself (direct), or a proxy in front of it.

/** The upstream every proxy forwards to, and the Host / :authority every client sends. */
export interface Upstream {
  port: number;
  h2Port: number;
  host: string;
}

export interface RunningTarget {
  /** HTTP/1.1 port the load goes to. */
  port: number;
  /** Cleartext HTTP/2 (prior knowledge) port; the same as `port` for a proxy that detects it. */
  h2Port: number;
  /** Root of the proxy's processes, measured from /proc; undefined for direct (no proxy). */
  pid?: number;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  /** How it is run, for the report's Setup section. */
  setup: string;
  start(upstream: Upstream): Promise<RunningTarget>;
}

/** The target cannot run here as configured (a missing flag, a missing tool): a row says so, no numbers. */
export class UnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}
