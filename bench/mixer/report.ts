// The Mixer results: Check latency through the client (warm and cold), Mixer's Check and
// Report cost, the proxy with the Mixer filter on against off, and issue #6's targets.
import type { BenchResult } from '../common/benchmark.js';
import { table } from '../common/markdown.js';
import type { SelfTime } from '../common/cpu-profile.js';
import type { LatencyResult, LatencySummary } from './latency.js';
import type { FilterProfile } from './profile.js';
import { FILTER_MODES, perCpuSecond, PROXY_FLAGS, type FilterMode, type ProxyRun } from './proxy-ratio.js';
import { ROUND_TRIP_WARM_UP, type Settings } from './settings.js';
import type { MixerThroughput } from './throughput.js';

/** Issue #6's targets. */
export const WARM_P99_TARGET_US = 50;
export const COLD_P99_TARGET_US = 1000;
export const FILTER_RATIO_TARGET = 0.8;

export interface MixerReport {
  settings: Settings;
  latency?: LatencyResult & { loadAverage: number };
  checks?: MixerThroughput;
  reports?: MixerThroughput;
  runs: ProxyRun[];
  profile?: FilterProfile;
  /** Phases that failed, with why (the others still report). */
  failures: string[];
  loadAverageAtEnd: number[];
}

const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const us = (v: number): string => (!Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const s2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');

function verdict(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? 'met' : '**MISSED**';
}

function floorRow(l: LatencySummary): string[] {
  return ['floor: bare grpc-js echo to another process', int(l.calls), us(l.p50Us), us(l.p99Us), us(l.p999Us), us(l.maxUs), us(l.meanUs), '–', 'reference', 'no Mixer, no protobuf'];
}

function latencyRow(name: string, l: LatencySummary, target: number, note: string): string[] {
  return [name, int(l.calls), us(l.p50Us), us(l.p99Us), us(l.p999Us), us(l.maxUs), us(l.meanUs), `≤ ${int(target)}`, verdict(l.p99Us <= target), note];
}

function throughputRow(name: string, t: MixerThroughput, bagsPerCall: number): string[] {
  const c = t.counts;
  return [name, String(bagsPerCall), int(c.calls), int(c.bags), s2(t.mixerCpu), `**${int(t.bagsPerCpuSecond)}**`, s2(1e6 / t.bagsPerCpuSecond), int(c.calls / c.seconds), int(c.bags / c.seconds), `${c.errors}${c.firstError ? ` (${c.firstError})` : ''}`, s2(t.loadAverage)];
}

/** Self time per request (µs) of each name in either mode, largest increase first. */
function perRequestRows(off: readonly SelfTime[], offRequests: number, on: readonly SelfTime[], onRequests: number, limit: number): string[][] {
  const names = new Set([...off.map((x) => x.name), ...on.map((x) => x.name)]);
  const per = (list: readonly SelfTime[], requests: number, name: string): number => ((list.find((x) => x.name === name)?.ms ?? 0) * 1000) / requests;
  return [...names]
    .map((name) => ({ name, off: per(off, offRequests, name), on: per(on, onRequests, name) }))
    .sort((a, b) => b.on - b.off - (a.on - a.off))
    .slice(0, limit)
    .map((x) => [x.name, x.off.toFixed(1), x.on.toFixed(1), `${x.on - x.off >= 0 ? '+' : ''}${(x.on - x.off).toFixed(1)}`]);
}

function profileSection(p: FilterProfile): string {
  const busy = (m: FilterProfile['on']): string => `${((m.summary.busyMs * 1000) / m.requests).toFixed(0)} µs busy per request (${m.requests.toLocaleString('en-US')} requests, idle ${m.summary.idleMs.toFixed(0)} ms${m.summary.windowed ? '' : ', whole profile: the window matched no samples'})`;
  const header = ['', 'off (µs/req)', 'on, Check + Report (µs/req)', 'on − off'];
  return `## Where the proxy's CPU went, filter off against on (\`--cpu-prof\`)

One more run of each mode with the proxy under \`node --cpu-prof\` (main thread only), self time over the measured wrk window divided by the requests of that run. Off: ${busy(p.off)}. On: ${busy(p.on)}. The profiler slows the proxy itself, so compare the columns rather than read them as the unprofiled cost.

${table(['kind of code', ...header.slice(1)], perRequestRows(p.off.categories, p.off.requests, p.on.categories, p.on.requests, 10))}

Functions whose cost per request grew most with the filter on:

${table(['function', ...header.slice(1)], perRequestRows(p.off.summary.functions, p.off.requests, p.on.summary.functions, p.on.requests, 15))}

Files whose cost per request grew most:

${table(['file', ...header.slice(1)], perRequestRows(p.off.summary.files, p.off.requests, p.on.summary.files, p.on.requests, 12))}`;
}

export function renderReport(r: MixerReport): BenchResult {
  const { settings } = r;
  const parts: string[] = [];
  parts.push(`## Setup

- Mixer: one \`isthmus mixer\` process (gRPC on loopback) with two rules: a \`list\` deny of one principal (instance value \`source.principal | "none"\`; the adapter's caching defaults, 60 s and 10,000 uses) for Check, and a \`prometheus\` counter with three dimensions (source principal, destination service, response code) for Report. Every phase uses this one process; Mixer CPU is utime+stime from /proc over each measured phase.
- Check latency: the real \`MixerClient\` (src/mixerclient) in a process of its own, one call at a time, each timed with \`process.hrtime\`. Warm: ${int(settings.warmCalls)} calls with one bag (a 22-attribute inbound request) after 20,000 unmeasured ones — the cache answers in process. Cold: ${int(settings.coldCalls)} calls after ${int(ROUND_TRIP_WARM_UP)} unmeasured ones (a running Mixer's JIT is warm; "cold" is the cache), each with a new \`source.principal\` (the one attribute the rule reads), so each misses and makes a round trip to Mixer.
- Mixer Check and Report cost: a load process with ${settings.checkLoad.channels} gRPC clients, each on its own connection, ${settings.checkLoad.inFlightPerChannel} Checks in flight per client (Report: ${settings.reportLoad.inFlightPerChannel} in flight, ${settings.reportLoad.bagsPerReport} bags per call), ${settings.checkLoad.warmUpSeconds} s warm-up then ${settings.checkLoad.seconds} s measured. Requests are encoded once up front; the count is divided by Mixer's CPU only.
- Proxy: the real manager and an \`isthmus proxy\` (one process, \`${PROXY_FLAGS.join(' ')}\`) whose inbound listener fronts nginx (one worker, 6-byte body from memory, bench/proxy's upstream). "on" = MeshConfig \`mixerCheckServer\` and \`mixerReportServer\` name the Mixer (the manager adds the Mixer filter to the inbound listener, checked in /config_dump before measuring); "check-only" = only \`mixerCheckServer\` (no Reports), to show what Report costs apart; "off" = no MeshConfig. Same load every way: \`wrk -t${settings.wrk.threads} -c${settings.wrk.connections}\`, ${settings.wrk.warmUpSeconds} s warm-up, ${settings.wrk.seconds} s measured, ${settings.runsPerMode} runs per mode in rotation (off, check-only, on, off, …) with a fresh proxy each. Only the proxy's CPU divides the requests. wrk's plaintext callers carry no principal, so every request shares one cached answer (warm) and one in 10,000 goes to Mixer.
- Everything shares this machine's cores with whatever else runs: the load average (1 min) is recorded at the start of each phase.`);

  if (r.latency) {
    const l = r.latency;
    parts.push(`## Check latency through the client

Load average (1 min) at the start of this phase: ${s2(l.loadAverage)}.

${table(['cache', 'calls', 'p50 (µs)', 'p99 (µs)', 'p99.9 (µs)', 'max (µs)', 'mean (µs)', 'p99 target (µs)', 'result', 'check'],
    [
      latencyRow('warm (in process)', l.warm, WARM_P99_TARGET_US, `${int(l.warm.cacheHits)} of ${int(l.warm.calls)} answered by the cache`),
      latencyRow('cold (round trip on loopback)', l.cold, COLD_P99_TARGET_US, `${int(l.cold.remoteChecks)} of ${int(l.cold.calls)} went to Mixer; ${l.cold.denied} denied`),
      ...(l.echo ? [floorRow(l.echo)] : []),
    ])}

The last row is the floor under a cold Check on this machine: a bare grpc-js unary call (600 bytes each way, no protobuf, a server that answers at once) to another process, timed the same way after the same warm-up. What a cold Check costs above it is the client library's and Mixer's own.`);
  }

  if (r.checks || r.reports) {
    const rows: string[][] = [];
    if (r.checks) rows.push(throughputRow('Check', r.checks, 1));
    if (r.reports) rows.push(throughputRow('Report', r.reports, settings.reportLoad.bagsPerReport));
    parts.push(`## Mixer: checks and report ingestion per CPU-second

${table(['call', 'bags per call', 'calls', 'bags', 'Mixer CPU (s)', 'bags per Mixer CPU-s', 'Mixer CPU per bag (µs)', 'calls/s', 'bags/s', 'errors', 'load avg'], rows)}

No target in issue #6; these are Mixer's own cost per attribute bag (a Check bag runs the \`list\` rule, a Report bag the \`prometheus\` rule).${r.checks && r.checks.counts.denied > 0 ? ` ${r.checks.counts.denied} Checks were denied (none should be).` : ''}`);
  }

  let ratio = Number.NaN;
  if (r.runs.length > 0) {
    const of = (mode: FilterMode): ProxyRun[] => r.runs.filter((x) => x.mode === mode);
    const offRate = perCpuSecond(of('off'));
    ratio = perCpuSecond(of('on')) / offRate;
    const rows = r.runs.map((x) => {
      const c = x.counters;
      return [
        x.mode, int(x.wrk.requestsPerSecond), s2(x.proxyCpu), int(x.wrk.requests / x.proxyCpu),
        x.mode !== 'off' ? s2(x.mixerCpu) : '–', x.mode !== 'off' ? s2((x.mixerCpu * 1e6) / x.wrk.requests) : '–',
        c ? `${int(c.checkCalls)} / ${int(c.cacheHits)} / ${int(c.remoteChecks)}` : '–',
        c ? `${int(c.reports)} / ${int(c.remoteReports)}` : '–',
        String(x.wrk.non2xx), x.wrk.socketErrorKinds ?? '0', s2(x.loadAverage),
      ];
    });
    parts.push(`## Proxy: requests per proxy CPU-second, Mixer filter on vs off

${table(['Mixer filter', 'req/s', 'proxy CPU (s)', 'req per proxy CPU-s', 'Mixer CPU (s)', 'Mixer CPU per request (µs)', 'checks / cache hits / to Mixer', 'reports / Report calls', 'non-2xx', 'socket errors', 'load avg'], rows)}

${table(['Mixer filter', 'req per proxy CPU-s (all its runs)', '÷ off'], FILTER_MODES.map((m) => [m, `**${int(perCpuSecond(of(m)))}**`, `${s2(perCpuSecond(of(m)) / offRate)}×`]))}

Mixer's own CPU during the filter runs (its Report ingestion and the rare Check) is shown apart: it runs in another process, as it would on another machine, and is not part of the ratio.`);
  }

  if (r.profile) parts.push(profileSection(r.profile));

  const warmMet = r.latency ? r.latency.warm.p99Us <= WARM_P99_TARGET_US : undefined;
  const coldMet = r.latency ? r.latency.cold.p99Us <= COLD_P99_TARGET_US : undefined;
  const ratioMet = Number.isFinite(ratio) ? ratio >= FILTER_RATIO_TARGET : undefined;
  parts.push(`## Targets (issue #6)

Benchmark targets, not tests.

${table(['target', 'measured', 'result'], [
    [`Check through the client, warm cache: p99 ≤ ${WARM_P99_TARGET_US} µs in process`, r.latency ? `${us(r.latency.warm.p99Us)} µs` : '–', verdict(warmMet)],
    [`Check through the client, cold (round trip on loopback): p99 ≤ ${COLD_P99_TARGET_US / 1000} ms`, r.latency ? `${us(r.latency.cold.p99Us)} µs` : '–', verdict(coldMet)],
    [`proxy req per CPU-s, Mixer filter on ÷ off ≥ ${FILTER_RATIO_TARGET} (warm cache)`, Number.isFinite(ratio) ? `${s2(ratio)}×` : '–', verdict(ratioMet)],
    ['Mixer checks per CPU-second', r.checks ? int(r.checks.bagsPerCpuSecond) : '–', 'reported (no target)'],
    ['report ingestion (bags) per Mixer CPU-second', r.reports ? int(r.reports.bagsPerCpuSecond) : '–', 'reported (no target)'],
  ])}

Load average at the end (1/5/15 min): ${r.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' / ')}.${r.failures.length > 0 ? `\n\nPhases that failed:\n${r.failures.map((f) => `- ${f}`).join('\n')}` : ''}
`);
  const targetsMet = warmMet === true && coldMet === true && ratioMet === true && r.failures.length === 0;
  return { markdown: parts.join('\n\n'), targetsMet };
}
