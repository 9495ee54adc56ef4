// The proxy benchmark: one upstream, and in front of it in turn nothing (direct), nginx,
// haproxy, a minimal node:http proxy (the floor of Node's HTTP stack) and Isthmus (no filters, default sidecar chain, two workers), each driven the same
// way; reports requests per proxy CPU-second, latency at a fixed rate and RSS, against nginx.
//
// Environment: BENCH_PROXY_ROWS=direct,nginx,… (a subset of the rows; direct and nginx are what
// the comparisons are made against), BENCH_PROXY_SECONDS=N (measured seconds per run),
// BENCH_PROXY_PROFILE=auto|always|never.
import type { Benchmark } from '../common/benchmark.js';
import { directTarget } from './direct.js';
import { haproxyTarget } from './haproxy.js';
import { CONCURRENCY_2, DEFAULT_CHAIN, IsthmusMesh, NO_FILTERS, type IsthmusVariant } from './isthmus.js';
import { nginxTarget } from './nginx.js';
import { nodeFloor } from './node-floor.js';
import { nodeHttpTarget } from './node-http.js';
import type { RssKinds } from './process-tree.js';
import { profileIsthmus } from './profile.js';
import { renderReport, type ProfileReport } from './report.js';
import { measureRow, type RowResult } from './row.js';
import { settingsFromEnv } from './settings.js';
import { checkTargets } from './targets-check.js';
import { installHint, missingTools } from './tools.js';
import { startUpstream, UPSTREAM_BODY } from './upstream.js';

const VARIANTS: readonly IsthmusVariant[] = [NO_FILTERS, DEFAULT_CHAIN, CONCURRENCY_2];
const ALL_ROWS = ['direct', 'nginx', 'haproxy', nodeHttpTarget.name, ...VARIANTS.map((v) => v.name)];

function selectedRows(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const raw = env.BENCH_PROXY_ROWS;
  if (!raw) return new Set(ALL_ROWS);
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !ALL_ROWS.includes(n));
  if (unknown.length > 0) throw new Error(`BENCH_PROXY_ROWS: unknown row ${unknown.join(', ')}; choose from ${ALL_ROWS.join(', ')}`);
  return new Set(names);
}

/** The single-process Isthmus row to profile: the default chain if it missed something, else no-filters. */
function rowToProfile(rows: readonly RowResult[], missedRows: ReadonlySet<string>, mode: string): IsthmusVariant | undefined {
  const ran = (v: IsthmusVariant): boolean => rows.some((r) => r.name === v.name && r.http1 !== undefined);
  const candidates = [DEFAULT_CHAIN, NO_FILTERS].filter(ran);
  if (mode === 'always') return candidates[0];
  return candidates.find((v) => missedRows.has(v.name)) ?? (missedRows.has(CONCURRENCY_2.name) ? candidates[0] : undefined);
}

export const proxyBenchmark: Benchmark = {
  name: 'proxy',
  title: 'Proxy: requests per CPU-second, latency at a fixed rate and memory — Isthmus against nginx and haproxy',
  async run(ctx) {
    const missing = missingTools();
    if (missing.length > 0) throw new Error(installHint(missing));
    const settings = settingsFromEnv();
    const selected = selectedRows();
    const mode = process.env.BENCH_PROXY_PROFILE ?? 'auto';
    if (!['auto', 'always', 'never'].includes(mode)) throw new Error(`BENCH_PROXY_PROFILE must be auto, always or never, not "${mode}"`);

    const upstream = await startUpstream();
    let mesh: IsthmusMesh | undefined;
    try {
      const rows: RowResult[] = [];
      for (const target of [directTarget, nginxTarget, haproxyTarget, nodeHttpTarget]) {
        if (selected.has(target.name)) rows.push(await measureRow(target, upstream, settings, ctx.log));
      }
      const variants = VARIANTS.filter((v) => selected.has(v.name));
      let floor: RssKinds | undefined;
      if (variants.length > 0) {
        floor = await nodeFloor();
        ctx.log('proxy: starting the Isthmus control plane');
        mesh = await IsthmusMesh.start(ctx.repoRoot, upstream);
        for (const v of variants) rows.push(await measureRow(mesh.target(v), upstream, settings, ctx.log));
      }

      const checks = checkTargets(rows);
      const missedRows = new Set(checks.filter((c) => c.status === 'missed').map((c) => c.row));
      let profile: ProfileReport | undefined;
      let profileNote: string | undefined;
      const toProfile = mesh && mode !== 'never' ? rowToProfile(rows, missedRows, mode) : undefined;
      if (mesh && toProfile) {
        try {
          profile = await profileIsthmus(ctx.repoRoot, mesh, toProfile, upstream, settings, ctx.log);
        } catch (err) {
          profileNote = `profiling failed: ${(err as Error).message}`;
        }
      } else if (missedRows.size > 0 && mode === 'never') {
        profileNote = 'not profiled (BENCH_PROXY_PROFILE=never)';
      }

      const pending = new Map(VARIANTS.filter((v) => v.pending && selected.has(v.name)).map((v) => [v.name, v.pending as string]));
      const markdown = renderReport({
        rows,
        checks,
        settings,
        upstream: `nginx (one worker) returning a ${UPSTREAM_BODY.length}-byte body from memory (\`return 200\`) on HTTP/1.1, plus a cleartext HTTP/2 port for the direct h2load row`,
        pending,
        ...(floor ? { nodeFloor: floor } : {}),
        ...(profile ? { profile } : {}),
        ...(profileNote ? { profileNote } : {}),
      });
      return { markdown, targetsMet: checks.every((c) => c.status === 'met') };
    } finally {
      await mesh?.stop();
      await upstream.nginx.stop();
    }
  },
};
