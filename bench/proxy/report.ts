// The proxy results as markdown: how it was run, one table per protocol, the targets met or
// missed (by how much), and — when Isthmus missed one — where its CPU went.
import { availableParallelism, loadavg } from 'node:os';
import type { ProfileSummary, SelfTime } from '../common/cpu-profile.js';
import { mib, table } from '../common/markdown.js';
import type { RssKinds } from './process-tree.js';
import type { RowResult } from './row.js';
import type { Settings } from './settings.js';
import { h2RequestsPerCpuSecond, p99AddedMs, requestsPerCpuSecond, type TargetCheck } from './targets-check.js';
import { h2loadArgs } from './h2load.js';
import { wrkArgs } from './wrk.js';

export interface ProfileReport {
  row: string;
  /** Every function and file (the report shows the top ones). */
  summary: ProfileSummary;
  /** Busy time by kind of code: native, Node's JavaScript, Isthmus's, GC, dependencies. */
  categories: readonly SelfTime[];
}

const PROFILE_TOP = 20;

export interface ReportInput {
  rows: readonly RowResult[];
  checks: readonly TargetCheck[];
  settings: Settings;
  upstream: string;
  /** Row name → a note that the switch this row needs is missing (TODO for the proxy). */
  pending: ReadonlyMap<string, string>;
  profile?: ProfileReport;
  profileNote?: string;
  /** Idle RSS of a bare node process, the floor under every Isthmus row's. */
  nodeFloor?: RssKinds;
}

const dash = '–';
const num = (v: number | undefined, digits = 0): string => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : dash);
const int = (v: number | undefined): string => (v !== undefined && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : dash);
const msCell = (v: number | undefined): string => num(v, 2);
const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : dash);
const signed = (v: number): string => (v >= 0 ? `+${v.toFixed(2)}` : v.toFixed(2));
const mb = (v: number | undefined): string => (v === undefined ? dash : mib(v));

/** Error text in one table cell or list item: one line, bounded. */
export function oneLine(text: string, max = 300): string {
  const flat = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' / ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function label(row: RowResult, pending: ReadonlyMap<string, string>): string {
  return pending.has(row.name) ? `${row.name} (TODO, see Notes)` : row.name;
}

/** A row with no numbers still gets a line saying why. */
function emptyRow(row: RowResult, columns: number, pending: ReadonlyMap<string, string>): string[] | undefined {
  const why = row.unavailable ? `not available: ${row.unavailable}` : row.error && !row.http1 ? `failed: ${row.error}` : undefined;
  return why ? [label(row, pending), oneLine(why), ...Array<string>(columns - 2).fill(dash)] : undefined;
}

function http1Table(input: ReportInput): string {
  const nginx = requestsPerCpuSecond(input.rows.find((r) => r.name === 'nginx'));
  const direct = input.rows.find((r) => r.name === 'direct');
  const header = ['row', 'req/s', 'proxy CPU (s)', 'req per proxy CPU-s', 'vs nginx', 'p50 (ms)', 'p99 (ms)', 'p99 added over direct (ms)', 'idle RSS (MB)', 'loaded RSS (MB)'];
  return table(header, input.rows.map((r) => emptyRow(r, header.length, input.pending) ?? [
    label(r, input.pending),
    int(r.http1?.result.requestsPerSecond),
    num(r.http1?.cpuSeconds, 2),
    int(requestsPerCpuSecond(r)),
    ratio(requestsPerCpuSecond(r) / nginx),
    msCell(r.latency?.p50Ms),
    msCell(r.latency?.p99Ms),
    r.name === 'direct' ? dash : msCell(p99AddedMs(r, direct)),
    mb(r.idleRss),
    mb(r.loadedRss),
  ]));
}

function h2Table(input: ReportInput): string {
  const nginx = h2RequestsPerCpuSecond(input.rows.find((r) => r.name === 'nginx'));
  const header = ['row', 'req/s', 'proxy CPU (s)', 'req per proxy CPU-s', 'vs nginx', 'failed / non-2xx'];
  return table(header, input.rows.map((r) => emptyRow(r, header.length, input.pending) ?? [
    label(r, input.pending),
    int(r.h2?.result.requestsPerSecond),
    num(r.h2?.cpuSeconds, 2),
    int(h2RequestsPerCpuSecond(r)),
    ratio(h2RequestsPerCpuSecond(r) / nginx),
    r.h2 ? `${r.h2.result.failed} / ${r.h2.result.non2xx}` : dash,
  ]));
}

function notes(input: ReportInput): string[] {
  const out: string[] = [];
  for (const [name, note] of input.pending) out.push(`${name}: ${note}.`);
  for (const r of input.rows) {
    if (r.unavailable) out.push(`${r.name}: not available: ${r.unavailable}.`);
    if (r.error) out.push(`${r.name}: failed: ${oneLine(r.error, 1000)}`);
    const w = r.http1?.result;
    if (w && (w.non2xx > 0 || w.socketErrors > 0)) out.push(`${r.name}: wrk saw ${w.non2xx} non-2xx/3xx responses and ${w.socketErrors} socket errors.`);
    const l = r.latency;
    if (l && (l.errors > 0 || l.non2xx > 0)) out.push(`${r.name}: the fixed-rate run had ${l.errors} failed requests and ${l.non2xx} non-2xx answers of ${l.sent}.`);
    if (r.processes !== undefined && r.processes > 1) out.push(`${r.name}: ${r.processes} processes; CPU and RSS are their sums.`);
  }
  const lags = input.rows.flatMap((r) => (r.latency ? [`${r.name} ${r.latency.sendLagP99Ms.toFixed(2)}`] : []));
  if (lags.length > 0) out.push(`Load-generator send lag p99 (ms; its timer lateness, included in every latency above and common to all rows): ${lags.join(', ')}.`);
  const direct = input.rows.find((r) => r.name === 'direct')?.latency?.fromIssue.p99Ms;
  const issued = input.rows.flatMap((r) => (r.latency ? [`${r.name} ${r.latency.fromIssue.p50Ms.toFixed(2)} / ${r.latency.fromIssue.p99Ms.toFixed(2)}` +
    (r.name !== 'direct' && direct !== undefined ? ` (p99 ${signed(r.latency.fromIssue.p99Ms - direct)} over direct)` : '')] : []));
  if (issued.length > 0) out.push(`Latency timed from when each request was issued rather than when it was due (without the send lag; waiting for a free connection still counts), p50 / p99 ms: ${issued.join(', ')}.`);
  const one = input.rows.find((r) => r.name === 'isthmus-default');
  const two = input.rows.find((r) => r.name === 'isthmus-concurrency-2');
  const cores = (r: RowResult | undefined): number | undefined => (r?.http1?.cpuSeconds !== undefined ? r.http1.cpuSeconds / r.http1.result.seconds : undefined);
  const [c1, c2] = [cores(one), cores(two)];
  if (one && two && c1 !== undefined && c2 !== undefined) {
    out.push(`Scaling with \`--concurrency 2\`: its processes used ${c2.toFixed(2)} of this machine's ${availableParallelism()} cores during wrk (one process: ${c1.toFixed(2)}); ` +
      `wrk and the upstream used the rest. Per proxy CPU-second it did ${ratio(requestsPerCpuSecond(two) / requestsPerCpuSecond(one))} the one-process row, so its req/s ratio is ` +
      'bounded by the cores the load generator and upstream leave free, not by the workers: the 1.7× target needs a machine with cores to spare.');
  }
  out.push(`Load average when the run ended (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')} on ${availableParallelism()} cores; other work on the machine shows up as latency and lowers raw req/s.`);
  const max = input.rows.flatMap((r) => (r.latency ? [`${r.name} ${r.latency.maxMs.toFixed(1)}`] : []));
  if (max.length > 0) out.push(`Fixed-rate max latency (ms): ${max.join(', ')}.`);
  return out;
}

/** What the node:http floor row says about the throughput targets: how far Node's HTTP stack alone gets. */
function floorNote(input: ReportInput): string | undefined {
  const perCpu = (name: string): number | undefined => {
    const r = input.rows.find((row) => row.name === name);
    return r ? requestsPerCpuSecond(r) : undefined;
  };
  const nginx = perCpu('nginx');
  const floor = perCpu('node:http floor');
  if (nginx === undefined || floor === undefined || !Number.isFinite(nginx / floor)) return undefined;
  const shares = ['isthmus-no-filters', 'isthmus-default']
    .flatMap((name) => { const v = perCpu(name); return v !== undefined && Number.isFinite(v) ? [`${name} ${ratio(v / floor)}`] : []; });
  return `The node:http floor row — a proxy with nothing but Node's HTTP server and client — does ${ratio(floor / nginx)} of nginx's requests per CPU-second on this machine, ` +
    `so the throughput targets (0.5× and 0.35× nginx) lie ${floor / nginx < 0.5 ? 'beyond' : 'within'} what Node's HTTP stack itself allows here. ` +
    (shares.length > 0 ? `Isthmus as a share of that floor: ${shares.join(', ')}; the rest is its own routing, filters, observability and pools.` : '');
}

/**
 * The idle RSS split into file-backed pages (the node binary and shared libraries: what any node
 * process maps, shared between processes) and anonymous ones (V8 heap, malloc, stacks), next to
 * a bare node process; where the anonymous part goes is in bench/proxy/README.md.
 */
function idleMemory(input: ReportInput): string[] {
  const rows = input.rows.filter((r) => r.idleRssKinds !== undefined);
  if (rows.length === 0 || !input.rows.some((r) => r.name.startsWith('isthmus') && r.idleRssKinds)) return [];
  const line = (name: string, k: RssKinds, processes = 1): string[] => [name, mib(k.file + k.anon), mib(k.file), mib(k.anon), String(processes)];
  const body = rows.map((r) => line(r.name, r.idleRssKinds as RssKinds, r.processes));
  if (input.nodeFloor) body.push(line('bare node (`node -e \'setInterval(…)\'`)', input.nodeFloor));
  return [
    table(['row', 'idle RSS (MB)', 'file-backed (MB)', 'anonymous (MB)', 'processes'], body),
    '',
    'File-backed: the executable\'s and shared libraries\' pages (RssFile + RssShmem), mostly the node binary, shared with every node process. ' +
      'Anonymous (RssAnon): the process\'s own memory; for node the V8 heap, malloc and thread stacks. ' +
      'bench/proxy/README.md says what profiling found in the Isthmus proxy\'s share.',
  ];
}

function profileSection(p: ProfileReport): string {
  const s = p.summary;
  const share = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const rows = (list: readonly SelfTime[]): string[][] => list.slice(0, PROFILE_TOP).map((f) => [`${f.ms.toFixed(0)} ms`, share(f.share), f.name]);
  return [
    `Profiled row: ${p.row}, a separate run of the same wrk load under \`node --cpu-prof\` (slower than the measured run: profiling has a cost). ` +
      `Busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms${s.windowed ? ' in the measured wrk window' : ' (whole profile: the window matched no samples)'}. ` +
      'The profile covers the main thread only (not libuv or GC helper threads).',
    '',
    'Busy time by kind of code:',
    '',
    table(['self time', 'share', 'where'], rows(p.categories)),
    '',
    `Top ${PROFILE_TOP} functions by self time:`,
    '',
    table(['self time', 'share', 'function (file:line in dist/)'], rows(s.functions)),
    '',
    `Top ${PROFILE_TOP} files:`,
    '',
    table(['self time', 'share', 'file or package'], rows(s.files)),
  ].join('\n');
}

export function renderReport(input: ReportInput): string {
  const { settings: s } = input;
  const wrk = wrkArgs({ port: 0, host: '<host>', ...s.wrk }).slice(0, 3).join(' ');
  const h2 = h2loadArgs({ port: 0, authority: '<host>', ...s.h2load }).slice(0, 6).join(' ');
  const checks = input.checks;
  const missed = checks.filter((c) => c.status === 'missed');
  const out = [
    '## Setup',
    '',
    `- Upstream (one for every row): ${input.upstream}. Its CPU is not counted anywhere; each row measures only the proxy's processes.`,
    ...input.rows.map((r) => `- ${r.name}: ${r.setup}.`),
    `- HTTP/1.1 throughput: \`wrk ${wrk}\` after an unmeasured ${s.wrk.warmUpSeconds} s warm-up run, every request with \`Host: upstream.bench.svc.cluster.local\`. ` +
      'Proxy CPU = utime+stime of the proxy process and all its children from /proc over the wrk run; req per proxy CPU-s = requests completed / that CPU.',
    `- HTTP/2 throughput (cleartext, prior knowledge): \`h2load ${h2}\`; CPU read over h2load's measured phase only.`,
    `- Latency: an open-loop generator (bench/proxy/open-loop.ts) at a fixed ${s.latency.rate} req/s over at most ${s.latency.connections} keep-alive connections for ${s.latency.seconds} s after a ${s.latency.warmUpSeconds} s warm-up; ` +
      'each request is timed from when it was due, so queueing behind a slow answer counts (no coordinated omission).',
    `- RSS: idle = summed VmRSS after start-up and one request; loaded = the peak of the summed VmRSS sampled every ${s.rssSampleMs} ms during the wrk and h2load runs.`,
    '- Everything runs on this one machine over loopback: wrk, the proxy and the upstream share its cores, so raw req/s depends on the machine; req per proxy CPU-s and the ratios to nginx are the comparable numbers.',
    '',
    '## HTTP/1.1 (wrk) and latency at a fixed rate',
    '',
    http1Table(input),
    '',
    '## HTTP/2 (h2load)',
    '',
    h2Table(input),
    '',
    '## Targets',
    '',
    'Benchmark targets, not tests.',
    '',
    table(['target', 'row', 'result', 'measured'], checks.map((c) => [c.target, c.row, c.status === 'met' ? 'met' : c.status === 'missed' ? '**MISSED**' : 'not measured', oneLine(c.detail)])),
    '',
    missed.length === 0 ? 'No target measured here was missed.' : `${missed.length} target(s) missed${input.profile ? '; the profile below shows where the proxy\'s CPU went' : ''}.`,
  ];
  const floor = floorNote(input);
  if (floor) out.push('', floor);
  const memory = idleMemory(input);
  if (memory.length > 0) out.push('', '## Idle memory by kind', '', ...memory);
  const n = notes(input);
  if (n.length > 0) out.push('', '## Notes', '', ...n.map((line) => `- ${line}`));
  if (input.profile) out.push('', '## Where the Isthmus proxy\'s CPU went (`--cpu-prof`)', '', profileSection(input.profile));
  else if (input.profileNote) out.push('', '## Profile', '', input.profileNote);
  return `${out.join('\n')}\n`;
}
