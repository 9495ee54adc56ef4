// When an Isthmus row misses a target: the same wrk load once more against that row's proxy
// started under `node --cpu-prof`, and the self time per function over the wrk window.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile, type CpuProfile, type SelfTime } from '../common/cpu-profile.js';
import type { IsthmusMesh, IsthmusVariant } from './isthmus.js';
import type { ProfileReport } from './report.js';
import { probe } from './row.js';
import type { Settings } from './settings.js';
import type { Upstream } from './target.js';
import { runWrk } from './wrk.js';

/** Busy time by where it was spent, from the per-file totals (names as cpu-profile.ts gives them). */
export function categorise(files: readonly SelfTime[], busyMs: number): SelfTime[] {
  const totals = new Map<string, number>();
  for (const f of files) {
    const category = f.name === '((garbage collector))' ? 'garbage collection'
      : f.name.startsWith('(') ? 'native code (socket reads and writes, string encoding: writev, writeLatin1String, …)'
        : f.name.startsWith('node:') ? "Node's own JavaScript (node:_http_*, net, streams, events)"
          : f.name.startsWith('src/') ? "Isthmus's own code (src/)"
            : 'dependencies (node_modules)';
    totals.set(category, (totals.get(category) ?? 0) + f.ms);
  }
  return [...totals].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
}

export async function profileIsthmus(repoRoot: string, mesh: IsthmusMesh, variant: IsthmusVariant, upstream: Upstream, settings: Settings, log: (line: string) => void): Promise<ProfileReport> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-proxy-prof-'));
  try {
    log(`proxy: profiling ${variant.name} under wrk (--cpu-prof)`);
    const running = await mesh.target(variant, ['--cpu-prof', '--cpu-prof-dir', dir]).start(upstream);
    let window;
    try {
      await probe(running.port, upstream.host);
      const wrk = { port: running.port, host: upstream.host, connections: settings.wrk.connections, threads: settings.wrk.threads };
      await runWrk({ ...wrk, seconds: settings.wrk.warmUpSeconds });
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      await runWrk({ ...wrk, seconds: settings.wrk.seconds });
      window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    } finally {
      await running.stop(); // the profile is written on a clean exit
    }
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the proxy wrote no .cpuprofile (did it exit cleanly on SIGTERM?)');
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    // Every function and file, so the categories below add up; the report shows the top ones.
    const summary = summariseProfile(profile, repoRoot, [window], Number.MAX_SAFE_INTEGER);
    return { row: variant.name, summary, categories: categorise(summary.files, summary.busyMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
