// Latency at a fixed request rate. wrk is closed-loop (it waits for an answer before sending
// again, so a slow proxy lowers the rate and hides its own stalls); this sends on a fixed
// schedule over a small keep-alive pool and measures each request from the moment it was *due*,
// not when it went out, so a request queued behind a stalled one counts its wait (no
// coordinated omission). This generator's own timer lateness (Node timers have 1 ms
// granularity) is part of that; it is also reported on its own, with latency timed from issue.
import * as http from 'node:http';
import { percentile } from '../common/stats.js';

export interface OpenLoopOptions {
  port: number;
  host: string;
  /** Requests per second. */
  rate: number;
  /** Sent but not measured: connections open, caches warm. */
  warmUpSeconds: number;
  seconds: number;
  /** Keep-alive connections at most; a request finding them all busy waits in the pool's queue. */
  connections: number;
}

export interface OpenLoopResult {
  /** Measured requests (after the warm-up). */
  sent: number;
  completed: number;
  errors: number;
  non2xx: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How late this generator's timer sent requests (p99): noise common to every row. */
  sendLagP99Ms: number;
  /** Timed from when each request was issued instead (no timer lateness; pool queueing still counts). */
  fromIssue: { p50Ms: number; p99Ms: number };
}

const DRAIN_TIMEOUT_MS = 10_000;

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, scheduling: 'fifo' });
  const intervalNs = 1e9 / o.rate;
  const total = Math.round(o.rate * (o.warmUpSeconds + o.seconds));
  const firstMeasured = Math.round(o.rate * o.warmUpSeconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  const fromIssue: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let outstanding = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const start = Number(process.hrtime.bigint()) + 20e6;
  let next = 0;

  const send = (index: number, dueNs: number): void => {
    const measured = index >= firstMeasured;
    const issuedNs = Number(process.hrtime.bigint());
    if (measured) lags.push((issuedNs - dueNs) / 1e6);
    outstanding++;
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return; // a request and its response may both report one failure
      settled = true;
      if (measured) {
        const now = Number(process.hrtime.bigint());
        if (ok) {
          latencies.push((now - dueNs) / 1e6);
          fromIssue.push((now - issuedNs) / 1e6);
        } else {
          errors++;
        }
      }
      if (--outstanding === 0 && next >= total) allDone();
    };
    const req = http.request({ agent, host: '127.0.0.1', port: o.port, path: '/', headers: { host: o.host } }, (res) => {
      if (measured && (res.statusCode ?? 0) >= 300) non2xx++;
      res.resume();
      res.once('end', () => done(true));
      res.once('error', () => done(false));
    });
    req.once('error', () => done(false));
    req.end();
  };

  let sentAll: () => void = () => {};
  const allSent = new Promise<void>((resolve) => (sentAll = resolve));
  const tick = (): void => {
    const now = Number(process.hrtime.bigint());
    while (next < total && start + next * intervalNs <= now) {
      send(next, start + next * intervalNs);
      next++;
    }
    if (next < total) {
      setTimeout(tick, Math.max(0, Math.floor((start + next * intervalNs - Number(process.hrtime.bigint())) / 1e6)));
      return;
    }
    sentAll();
    if (outstanding === 0) allDone();
  };
  tick();

  await allSent;
  // What is still outstanding this long after the last send is counted lost.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)))]);
  clearTimeout(timer);
  agent.destroy();
  const sent = total - firstMeasured;
  return {
    sent,
    completed: latencies.length,
    errors: errors + Math.max(0, sent - latencies.length - errors),
    non2xx,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    sendLagP99Ms: percentile(lags, 99),
    fromIssue: { p50Ms: percentile(fromIssue, 50), p99Ms: percentile(fromIssue, 99) },
  };
}
