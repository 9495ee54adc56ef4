// HTTP/1.1 closed-loop throughput with wrk: a fixed number of keep-alive connections, each
// sending its next request as soon as the previous answer arrives.
import { runTool } from './load-tool.js';

export interface WrkOptions {
  port: number;
  host: string;
  seconds: number;
  connections: number;
  threads: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Responses wrk counted as not 2xx/3xx. */
  non2xx: number;
  /** connect + read + write + timeout errors. */
  socketErrors: number;
}

export function wrkArgs(o: WrkOptions): string[] {
  return [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '-H', `Host: ${o.host}`, `http://127.0.0.1:${o.port}/`];
}

export function parseWrk(output: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(output);
  if (!total) throw new Error(`cannot read wrk's output:\n${output}`);
  const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60 }[total[3] as 'us' | 'ms' | 's' | 'm'];
  const requests = Number(total[1]);
  const seconds = Number(total[2]) * unit;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { requests, seconds, requestsPerSecond: requests / seconds, non2xx, socketErrors };
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  return parseWrk(await runTool('wrk', wrkArgs(o)));
}
