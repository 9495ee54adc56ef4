// When the filter-on ratio misses its target (or BENCH_MIXER_PROFILE=always): one more run of
// each mode with the proxy under `node --cpu-prof`, and where its CPU went over the measured wrk
// window, per request — so the report shows what the Mixer filter adds, by kind of code and by
// function, rather than one profile with nothing to compare it to.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile, type CpuProfile, type ProfileSummary, type SelfTime } from '../common/cpu-profile.js';
import { categorise } from '../proxy/profile.js';
import type { RunningUpstream } from '../proxy/upstream.js';
import type { FilterMode, MixerMesh, WrkShape } from './proxy-ratio.js';

export interface ModeProfile {
  requests: number;
  summary: ProfileSummary;
  categories: SelfTime[];
}

export interface FilterProfile {
  off: ModeProfile;
  on: ModeProfile;
}

async function profileMode(repoRoot: string, mode: FilterMode, mesh: MixerMesh, mixer: { address: string; pid: number }, upstream: RunningUpstream, shape: WrkShape): Promise<ModeProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-mixer-prof-'));
  try {
    const run = await mesh.run(mode, mixer, upstream, shape, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the proxy wrote no .cpuprofile (did it exit cleanly on SIGTERM?)');
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    // Every function and file, so categories add up and the two modes can be compared by name.
    const summary = summariseProfile(profile, repoRoot, [run.window], Number.MAX_SAFE_INTEGER);
    return { requests: run.wrk.requests, summary, categories: categorise(summary.files, summary.busyMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function profileFilter(repoRoot: string, mesh: MixerMesh, mixer: { address: string; pid: number }, upstream: RunningUpstream, shape: WrkShape): Promise<FilterProfile> {
  const off = await profileMode(repoRoot, 'off', mesh, mixer, upstream, shape);
  const on = await profileMode(repoRoot, 'on', mesh, mixer, upstream, shape);
  return { off, on };
}
