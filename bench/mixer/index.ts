// `npm run bench` module "mixer" (issue #6): Check latency through the client library with a
// warm cache and cold, Mixer's checks and report ingestion per CPU-second, and the proxy's
// requests per CPU-second with the Mixer filter on against off — all against a real
// `isthmus mixer`, manager and proxy on loopback.
//
// Environment: BENCH_MIXER_SECONDS=N (measured seconds of each load phase, default 8),
// BENCH_MIXER_PROFILE=auto|always|never (profile the proxy in both modes when the ratio misses),
// BENCH_MIXER_PHASES=latency,checks,reports,proxy (which phases run; all by default).
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from '../common/benchmark.js';
import { startUpstream, type RunningUpstream } from '../proxy/upstream.js';
import { measureCheckLatency } from './latency.js';
import { startMixer, type MixerProcess } from './mixer-process.js';
import { policyYaml } from './policy.js';
import { FILTER_MODES, makeConfigDir, MixerMesh, perCpuSecond, type FilterMode } from './proxy-ratio.js';
import { profileFilter } from './profile.js';
import { FILTER_RATIO_TARGET, renderReport, type MixerReport } from './report.js';
import { settingsFromEnv, type Phase } from './settings.js';
import { measureMixerLoad } from './throughput.js';

/** Program → Debian package, for the proxy phase. */
const TOOLS: Readonly<Record<string, string>> = { wrk: 'wrk', nginx: 'nginx-light' };

function missingTools(): string[] {
  return Object.keys(TOOLS).filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
}

function profileMode(env: NodeJS.ProcessEnv = process.env): 'auto' | 'always' | 'never' {
  const mode = env.BENCH_MIXER_PROFILE ?? 'auto';
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') throw new Error(`BENCH_MIXER_PROFILE must be auto, always or never, not "${mode}"`);
  return mode;
}

async function proxyPhase(ctx: BenchContext, dir: string, mixer: MixerProcess, report: MixerReport): Promise<void> {
  const missing = missingTools();
  if (missing.length > 0) {
    report.failures.push(`proxy on/off: missing ${missing.join(', ')}; install with: apt-get install -y ${missing.map((t) => TOOLS[t]).join(' ')}`);
    return;
  }
  let upstream: RunningUpstream | undefined;
  let mesh: MixerMesh | undefined;
  try {
    upstream = await startUpstream();
    ctx.log('mixer: starting the manager for the proxy runs');
    mesh = await MixerMesh.start(ctx.repoRoot, dir);
    const modes: FilterMode[] = Array.from({ length: report.settings.runsPerMode }, () => FILTER_MODES).flat();
    for (const mode of modes) {
      ctx.log(`mixer: proxy with the Mixer filter ${mode}: wrk ${report.settings.wrk.seconds} s`);
      const run = await mesh.run(mode, mixer, upstream, report.settings.wrk);
      ctx.log(`mixer: proxy ${mode}: ${Math.round(run.wrk.requests / run.proxyCpu)} req per proxy CPU-s`);
      report.runs.push(run);
    }
    const on = report.runs.filter((r) => r.mode === 'on');
    const off = report.runs.filter((r) => r.mode === 'off');
    const ratio = perCpuSecond(on) / perCpuSecond(off);
    ctx.log(`mixer: proxy on ÷ off = ${ratio.toFixed(2)}`);
    const mode = profileMode();
    if (mode === 'always' || (mode === 'auto' && !(ratio >= FILTER_RATIO_TARGET))) {
      ctx.log('mixer: profiling the proxy with the Mixer filter off and on (--cpu-prof)');
      try {
        report.profile = await profileFilter(ctx.repoRoot, mesh, mixer, upstream, report.settings.wrk);
      } catch (err) {
        report.failures.push(`profile: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    report.failures.push(`proxy on/off: ${(err as Error).message}`);
    ctx.log(`mixer: proxy phase failed: ${(err as Error).message}`);
  } finally {
    await mesh?.stop();
    await upstream?.nginx.stop();
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const settings = settingsFromEnv();
  profileMode(); // a bad value fails before anything starts
  const report: MixerReport = { settings, runs: [], failures: [], loadAverageAtEnd: [] };
  const dir = await makeConfigDir();
  let mixer: MixerProcess | undefined;
  try {
    await writeFile(join(dir, 'policy.yaml'), policyYaml());
    mixer = await startMixer(ctx.repoRoot, dir);
    ctx.log(`mixer: isthmus mixer on ${mixer.address}`);

    // One phase failing (a missing tool, a crash) must not cost the others their numbers.
    const phase = async (name: string, body: () => Promise<void>, which: Phase): Promise<void> => {
      if (!settings.phases.has(which)) return;
      try {
        await body();
      } catch (err) {
        report.failures.push(`${name}: ${(err as Error).message}`);
        ctx.log(`mixer: ${name} failed: ${(err as Error).message}`);
      }
    };
    const m = mixer;
    await phase('Check latency', async () => {
      ctx.log(`mixer: Check latency through the client, ${settings.warmCalls} warm and ${settings.coldCalls} cold calls`);
      report.latency = await measureCheckLatency(m.address, settings.warmCalls, settings.coldCalls);
      ctx.log(`mixer: warm p99 ${report.latency.warm.p99Us.toFixed(1)} µs, cold p99 ${report.latency.cold.p99Us.toFixed(0)} µs`);
    }, 'latency');
    await phase('Mixer checks', async () => {
      ctx.log(`mixer: Check load ${settings.checkLoad.seconds} s`);
      report.checks = await measureMixerLoad(m, 'check', settings.checkLoad);
      ctx.log(`mixer: ${Math.round(report.checks.bagsPerCpuSecond)} checks per Mixer CPU-s`);
    }, 'checks');
    await phase('Mixer reports', async () => {
      ctx.log(`mixer: Report load ${settings.reportLoad.seconds} s`);
      report.reports = await measureMixerLoad(m, 'report', settings.reportLoad);
      ctx.log(`mixer: ${Math.round(report.reports.bagsPerCpuSecond)} report bags per Mixer CPU-s`);
    }, 'reports');
    if (settings.phases.has('proxy')) await proxyPhase(ctx, dir, m, report);
  } finally {
    await mixer?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  report.loadAverageAtEnd = loadavg();
  return renderReport(report);
}

export const mixerBenchmark: Benchmark = {
  name: 'mixer',
  title: 'Mixer: Check latency through the client, Mixer cost per CPU-second, and the proxy with the Mixer filter on vs off',
  run,
};
