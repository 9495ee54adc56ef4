// HTTP/2 (cleartext, prior knowledge) closed-loop throughput with h2load: a few connections,
// many concurrent streams each. h2load prints when its warm-up ends and when its measured phase
// ends, so the proxy's CPU is read exactly over the measured phase.
import { runTool } from './load-tool.js';

export interface H2loadOptions {
  port: number;
  authority: string;
  seconds: number;
  warmUpSeconds: number;
  connections: number;
  streams: number;
}

export interface H2loadResult {
  /** Requests completed in the measured phase. */
  requests: number;
  requestsPerSecond: number;
  /** Failed, errored or timed-out requests. */
  failed: number;
  /** Responses other than 2xx (h2load counts these over warm-up and measured phase alike). */
  non2xx: number;
}

export function h2loadArgs(o: H2loadOptions): string[] {
  return [`-c${o.connections}`, `-m${o.streams}`, '-D', String(o.seconds), '--warm-up-time', String(o.warmUpSeconds), '-H', `:authority: ${o.authority}`, `http://127.0.0.1:${o.port}/`];
}

export function parseH2load(output: string): H2loadResult {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(output);
  const statuses = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
  if (!rate || !counts || !statuses) throw new Error(`cannot read h2load's output:\n${output}`);
  return {
    requests: Number(counts[2]),
    requestsPerSecond: Number(rate[1]),
    failed: Number(counts[3]) + Number(counts[4]) + Number(counts[5]),
    non2xx: Number(statuses[1]) + Number(statuses[2]) + Number(statuses[3]),
  };
}

export interface Phase {
  onMeasuredStart(): void;
  onMeasuredEnd(): void;
}

export async function runH2load(o: H2loadOptions, phase: Phase): Promise<H2loadResult> {
  const output = await runTool('h2load', h2loadArgs(o), (line) => {
    if (line.startsWith('Main benchmark duration is started')) phase.onMeasuredStart();
    else if (line.startsWith('Main benchmark duration is over')) phase.onMeasuredEnd();
  });
  return parseH2load(output);
}
