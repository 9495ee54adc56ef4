// One row of the table: start the target, check it answers, then in turn idle RSS, HTTP/1.1
// throughput (wrk) and HTTP/2 throughput (h2load) with the proxy's CPU and peak RSS read from
// /proc around them, and latency at a fixed rate; then stop it.
import * as http from 'node:http';
import type { Window } from '../common/cpu-profile.js';
import { runH2load, type H2loadResult } from './h2load.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { processTree, treeCpuSeconds, treeRss, treeRssKinds, type RssKinds } from './process-tree.js';
import type { Settings } from './settings.js';
import { UnavailableError, type Target, type Upstream } from './target.js';
import { UPSTREAM_BODY } from './upstream.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface Throughput<R> {
  result: R;
  /** Proxy CPU (all its processes) over the measured phase; undefined for direct. */
  cpuSeconds?: number;
}

export interface RowResult {
  name: string;
  setup: string;
  /** Why the row has no numbers (a flag the proxy lacks …). */
  unavailable?: string;
  /** The row started but a measurement failed. */
  error?: string;
  http1?: Throughput<WrkResult>;
  h2?: Throughput<H2loadResult>;
  latency?: OpenLoopResult;
  idleRss?: number;
  /** The idle RSS split into file-backed and anonymous pages. */
  idleRssKinds?: RssKinds;
  loadedRss?: number;
  /** How many processes the proxy ran as. */
  processes?: number;
  /** When the measured wrk run happened (monotonic µs), to slice a CPU profile. */
  http1Window?: Window;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** GET / until it answers 200 with the upstream's body (a proxy may take a moment to route). */
export async function probe(port: number, host: string, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.once('error', reject);
        });
        req.once('error', reject);
        req.setTimeout(2000, () => req.destroy(new Error('no answer within 2 s')));
      });
      if (status === 200 && body === UPSTREAM_BODY) return;
      last = `HTTP ${status}: ${body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`127.0.0.1:${port} never answered GET / with the upstream's body (last: ${last})`);
}

/** Peak of the summed RSS of `pids`, sampled until stopped. */
function rssSampler(pids: readonly number[], everyMs: number): { stop(): number } {
  let peak = treeRss(pids);
  const timer = setInterval(() => (peak = Math.max(peak, treeRss(pids))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRss(pids));
    },
  };
}

export async function measureRow(target: Target, upstream: Upstream, settings: Settings, log: (line: string) => void): Promise<RowResult> {
  const row: RowResult = { name: target.name, setup: target.setup };
  let running;
  try {
    running = await target.start(upstream);
  } catch (err) {
    if (err instanceof UnavailableError) {
      log(`proxy: ${target.name}: not available: ${err.message}`);
      return { ...row, unavailable: err.message };
    }
    // One row that cannot start must not cost the others their results.
    log(`proxy: ${target.name}: did not start: ${(err as Error).message}`);
    return { ...row, error: `did not start: ${(err as Error).message}` };
  }
  try {
    await probe(running.port, upstream.host);
    const pids = running.pid !== undefined ? processTree(running.pid) : [];
    const cpu = (): number | undefined => (pids.length > 0 ? treeCpuSeconds(pids) : undefined);
    if (pids.length > 0) {
      row.processes = pids.length;
      row.idleRss = treeRss(pids);
      row.idleRssKinds = treeRssKinds(pids);
    }
    const { wrk, h2load, latency } = settings;
    log(`proxy: ${target.name}: wrk warm-up ${wrk.warmUpSeconds} s, then ${wrk.seconds} s measured`);
    await runWrk({ port: running.port, host: upstream.host, seconds: wrk.warmUpSeconds, connections: wrk.connections, threads: wrk.threads });
    const sampler = pids.length > 0 ? rssSampler(pids, settings.rssSampleMs) : undefined;
    try {
      const before = cpu();
      const fromUs = monotonicUs();
      const result = await runWrk({ port: running.port, host: upstream.host, seconds: wrk.seconds, connections: wrk.connections, threads: wrk.threads });
      row.http1Window = { fromUs, toUs: monotonicUs() };
      const after = cpu();
      row.http1 = { result, ...(before !== undefined && after !== undefined ? { cpuSeconds: after - before } : {}) };

      log(`proxy: ${target.name}: h2load ${h2load.seconds} s`);
      let h2Before: number | undefined;
      let h2After: number | undefined;
      const h2 = await runH2load(
        { port: running.h2Port, authority: upstream.host, ...h2load },
        { onMeasuredStart: () => (h2Before = cpu()), onMeasuredEnd: () => (h2After = cpu()) },
      );
      row.h2 = { result: h2, ...(h2Before !== undefined && h2After !== undefined ? { cpuSeconds: h2After - h2Before } : {}) };
    } finally {
      if (sampler) row.loadedRss = sampler.stop();
    }

    log(`proxy: ${target.name}: ${latency.rate} rps open loop for ${latency.seconds} s`);
    row.latency = await runOpenLoop({ port: running.port, host: upstream.host, ...latency });
  } catch (err) {
    row.error = (err as Error).message;
    log(`proxy: ${target.name}: failed: ${row.error}`);
  } finally {
    await running.stop();
  }
  return row;
}
