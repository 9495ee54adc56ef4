// The control-plane benchmark: N simulated sidecars (100, 1000) on a 1000-service mesh; initial
// sync, then a config change → time until every affected client ACKed, control-plane CPU and
// RSS. When a target is missed, one more run under `--cpu-prof` says where the time went. Then,
// apart and not held to the targets, the same with clients in HTTP-proxy mode.
//
// Environment: BENCH_CP_CLIENTS=100,1000 (client counts), BENCH_CP_HTTP_PROXY_CLIENTS=1000
// (client counts for the HTTP-proxy-mode runs; "" for none), BENCH_CP_PROFILE=auto|always|never.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from '../common/benchmark.js';
import { summariseProfile, type CpuProfile } from '../common/cpu-profile.js';
import { BENCH_HTTP_PROXY_PORT, DEFAULT_SHAPE, endpointChange, routeWeightChange } from './config.js';
import { missedTargets, renderReport, type ProfileReport } from './report.js';
import { runScenario, type ScenarioResult } from './scenario.js';

const DEFAULT_CLIENTS = [100, 1000];
const DEFAULT_HTTP_PROXY_CLIENTS = [1000];
/** A bound on what someone can ask for through the environment on this 2-core machine. */
const MAX_CLIENTS = 5000;

/** Client counts from `variable`: unset → `defaults`; empty → `defaults`, or none if `emptyMeansNone`. */
function clientCounts(variable: string, defaults: number[], emptyMeansNone = false): number[] {
  const raw = process.env[variable];
  if (raw === undefined) return defaults;
  if (raw.trim() === '') return emptyMeansNone ? [] : defaults;
  const counts = raw.split(',').map((s) => Number(s.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_CLIENTS)) {
    throw new Error(`${variable} must be a comma-separated list of client counts 1–${MAX_CLIENTS}, not "${raw}"`);
  }
  return counts;
}

async function profiledRun(ctx: BenchContext, clients: number): Promise<ProfileReport> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-prof-'));
  try {
    ctx.log(`control-plane: profiling a ${clients}-client run (--cpu-prof)`);
    const run = await runScenario({ repoRoot: ctx.repoRoot, clients, log: ctx.log, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] });
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the control plane wrote no .cpuprofile (did it exit cleanly on SIGTERM?)');
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    return {
      clients,
      sync: summariseProfile(profile, ctx.repoRoot, [run.windows.sync]),
      changes: summariseProfile(profile, ctx.repoRoot, run.windows.changes),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const controlPlaneBenchmark: Benchmark = {
  name: 'control-plane',
  title: 'Control plane: config change → ACK latency, CPU and memory',
  async run(ctx) {
    const results: ScenarioResult[] = [];
    for (const clients of clientCounts('BENCH_CP_CLIENTS', DEFAULT_CLIENTS)) {
      ctx.log(`control-plane: ${clients} clients`);
      results.push(await runScenario({ repoRoot: ctx.repoRoot, clients, log: ctx.log }));
    }
    const httpProxyResults: ScenarioResult[] = [];
    for (const clients of clientCounts('BENCH_CP_HTTP_PROXY_CLIENTS', DEFAULT_HTTP_PROXY_CLIENTS, true)) {
      ctx.log(`control-plane: ${clients} clients in HTTP-proxy mode (not held to the targets)`);
      httpProxyResults.push(await runScenario({ repoRoot: ctx.repoRoot, clients, log: ctx.log, httpProxyMode: true }));
    }
    const missed = missedTargets(results);
    const mode = process.env.BENCH_CP_PROFILE ?? 'auto';
    let profile: ProfileReport | undefined;
    let profileError: string | undefined;
    // A profile says where time goes in a run that works; of a run that never synced it says nothing.
    const synced = results.every((r) => r.sync.synced === r.sync.clients);
    if (!synced) {
      profileError = 'not profiled: not every client completed the initial sync (see Notes)';
    } else if (mode === 'always' || (mode === 'auto' && missed.length > 0)) {
      try {
        profile = await profiledRun(ctx, Math.max(...results.map((r) => r.clients)));
      } catch (err) {
        profileError = `profiling failed: ${(err as Error).message}`;
      }
    }
    const markdown = renderReport({
      results,
      httpProxyResults,
      httpProxyPort: BENCH_HTTP_PROXY_PORT,
      missed,
      profile,
      profileError,
      services: DEFAULT_SHAPE.services,
      endpointsPerService: DEFAULT_SHAPE.endpointsPerService,
      routed: DEFAULT_SHAPE.routed,
      changeDescriptions: [endpointChange(DEFAULT_SHAPE).description, routeWeightChange(DEFAULT_SHAPE).description],
    });
    return { markdown, targetsMet: missed.length === 0 };
  },
};
