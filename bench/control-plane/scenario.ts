// One measured run for one client count: a fresh mesh directory, a fresh control plane and a
// fresh load process; initial sync of every client, then each config change in turn. Every
// phase is bounded; a phase that runs out of time is reported as a timeout, not awaited.
import { rm } from 'node:fs/promises';
import type { Window } from '../common/cpu-profile.js';
import { cpuSeconds, memory } from '../common/proc.js';
import { max, percentile } from '../common/stats.js';
import { BENCH_HTTP_PROXY_PORT, DEFAULT_SHAPE, endpointChange, routeWeightChange, writeMesh, type ConfigChange } from './config.js';
import { ControlPlaneProcess, type HeapSplit } from './control-plane-process.js';
import { now, type PerType, type SyncReport } from './load-protocol.js';
import { LoadProcess, PhaseAbortedError } from './load-process.js';

/** The longest any one phase may take before it is cut off and reported as a timeout. */
export const PHASE_TIMEOUT_MS = 120_000;
/** Extra time for the load process to answer after its own phase deadline. */
const ANSWER_SLACK_MS = 15_000;
/** A phase has settled when no response has reached any client for this long. */
const QUIET_MS = 500;

export interface Latencies {
  /** The first client: how long before the push reached anyone. */
  min: number;
  p50: number;
  p99: number;
  max: number;
}

export interface SyncResult {
  clients: number;
  synced: number;
  failed: number;
  timedOut: boolean;
  /** From the first connect to the last client's full sync. */
  allSyncedMs: number;
  /** Per client, from the first connect to its own full sync. */
  perClient: Latencies;
  cpSeconds: number;
  loadCpuSeconds: number;
  responsesPerClient: PerType;
  bytesPerClient: PerType;
  errors: string[];
}

export interface ChangeResult {
  name: string;
  description: string;
  expected: number;
  acked: number;
  timedOut: boolean;
  /** From the start of the file write to each client's ACK of the response carrying the change. */
  latency: Latencies;
  /** Control-plane CPU from the write until no more responses flowed. */
  cpSeconds: number;
  /** How long after the write the last response of the push reached a client. */
  settledMs: number;
  loadCpuSeconds: number;
  responsesPerClient: PerType;
  bytesPerClient: PerType;
}

export interface ScenarioResult {
  clients: number;
  /** The clients asked for the HTTP-proxy-mode listener (PROXY_CONFIG.proxyHttpPort). */
  httpProxyMode: boolean;
  idleRssBytes: number;
  rssAfterSyncBytes: number;
  /** From the control plane's /metrics after the initial sync. */
  heapAfterSync?: HeapSplit;
  peakRssBytes: number;
  sync: SyncResult;
  changes: ChangeResult[];
  /** Why a part was not measured, if one was not. */
  notes: string[];
  /** Monotonic-clock windows of each phase, for slicing a CPU profile. */
  windows: { sync: Window; changes: Window[] };
}

export interface ScenarioOptions {
  repoRoot: string;
  clients: number;
  log(line: string): void;
  nodeFlags?: string[];
  changes?: ConfigChange[];
  /** Clients send PROXY_CONFIG.proxyHttpPort, so each also gets the HTTP-proxy listener and table. */
  httpProxyMode?: boolean;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function latencies(samples: number[]): Latencies {
  return { min: percentile(samples, 0), p50: percentile(samples, 50), p99: percentile(samples, 99), max: max(samples) };
}

function perClient(totals: PerType, clients: number): PerType {
  const out: PerType = {};
  for (const [type, n] of Object.entries(totals)) out[type] = clients > 0 ? n / clients : Number.NaN;
  return out;
}

/** What doomed a phase from the control plane's side: a response it could not build. */
function refusal(cp: ControlPlaneProcess): () => string | undefined {
  return () => {
    const line = cp.firstRefusal();
    return line ? `the control plane could not build a response: ${line}` : undefined;
  };
}

async function measureSync(cp: ControlPlaneProcess, load: LoadProcess, clients: number, httpProxyPort: number | undefined, notes: string[]): Promise<SyncResult> {
  const pid = cp.pid;
  const cpu0 = cpuSeconds(pid);
  let report: SyncReport;
  try {
    report = await load.ask({ type: 'connect', port: cp.xdsPort, clients, timeoutMs: PHASE_TIMEOUT_MS, httpProxyPort }, 'synced', PHASE_TIMEOUT_MS + ANSWER_SLACK_MS, refusal(cp));
  } catch (err) {
    if (!(err instanceof PhaseAbortedError)) throw err;
    notes.push(`initial sync abandoned: ${err.reason}`);
    const none = { min: Number.NaN, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
    return { clients, synced: 0, failed: 0, timedOut: false, allSyncedMs: Number.NaN, perClient: none, cpSeconds: cpuSeconds(pid) - cpu0, loadCpuSeconds: Number.NaN, responsesPerClient: {}, bytesPerClient: {}, errors: [] };
  }
  const settled = await load.ask({ type: 'quiet', quietMs: QUIET_MS, timeoutMs: 30_000 }, 'quiet', 30_000 + ANSWER_SLACK_MS);
  if (settled.timedOut) notes.push('responses were still flowing 30 s after the initial sync');
  const syncTimes = report.syncedAt.map((t) => t - report.startedAt);
  return {
    clients,
    synced: report.syncedAt.length,
    failed: report.failed,
    timedOut: report.timedOut,
    allSyncedMs: syncTimes.length > 0 ? max(syncTimes) : Number.NaN,
    perClient: latencies(syncTimes),
    cpSeconds: cpuSeconds(pid) - cpu0,
    loadCpuSeconds: report.loadCpuSeconds,
    responsesPerClient: perClient(report.responses, clients),
    bytesPerClient: perClient(report.bytes, clients),
    errors: report.errors,
  };
}

async function measureChange(cp: ControlPlaneProcess, load: LoadProcess, dir: string, change: ConfigChange, clients: number, notes: string[]): Promise<ChangeResult> {
  const pid = cp.pid;
  await load.ask({ type: 'arm', probe: change.probe }, 'armed', 10_000);
  const cpuBefore = cpuSeconds(pid);
  const writtenAt = now();
  await change.write(dir);
  const acks = await load.ask({ type: 'await-acks', timeoutMs: PHASE_TIMEOUT_MS }, 'acks', PHASE_TIMEOUT_MS + ANSWER_SLACK_MS, refusal(cp));
  const settled = await load.ask({ type: 'quiet', quietMs: QUIET_MS, timeoutMs: 30_000 }, 'quiet', 30_000 + ANSWER_SLACK_MS);
  if (settled.timedOut) notes.push(`${change.name}: responses were still flowing 30 s after the change`);
  return {
    name: change.name,
    description: change.description,
    expected: acks.clients,
    acked: acks.ackedAt.length,
    timedOut: acks.timedOut,
    latency: latencies(acks.ackedAt.map((t) => t - writtenAt)),
    cpSeconds: cpuSeconds(pid) - cpuBefore,
    settledMs: settled.lastResponseAt - writtenAt,
    loadCpuSeconds: acks.loadCpuSeconds,
    responsesPerClient: perClient(acks.responses, clients),
    bytesPerClient: perClient(acks.bytes, clients),
  };
}

export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const httpProxyMode = opts.httpProxyMode === true;
  const changes = opts.changes ?? [endpointChange(DEFAULT_SHAPE), routeWeightChange(DEFAULT_SHAPE)];
  const dir = await writeMesh(DEFAULT_SHAPE);
  let cp: ControlPlaneProcess | undefined;
  let load: LoadProcess | undefined;
  try {
    cp = await ControlPlaneProcess.start({ repoRoot: opts.repoRoot, configDir: dir, nodeFlags: opts.nodeFlags, readyTimeoutMs: PHASE_TIMEOUT_MS });
    const pid = cp.pid;
    const idleRssBytes = memory(pid).rss;
    load = LoadProcess.start();
    const notes: string[] = [];

    const label = `${opts.clients} clients${httpProxyMode ? ' (HTTP-proxy mode)' : ''}`;
    opts.log(`  ${label}: connecting`);
    const syncFrom = monotonicUs();
    const sync = await measureSync(cp, load, opts.clients, httpProxyMode ? BENCH_HTTP_PROXY_PORT : undefined, notes);
    const syncWindow = { fromUs: syncFrom, toUs: monotonicUs() };
    const rssAfterSyncBytes = memory(pid).rss;
    const heapAfterSync = await cp.heap();
    opts.log(`  ${label}: ${sync.synced} synced in ${sync.allSyncedMs.toFixed(0)} ms${sync.timedOut ? ' (TIMEOUT)' : ''}`);
    if (cp.configErrors.length > 0) throw new Error(`the generated mesh did not load cleanly:\n${cp.configErrors.join('\n')}`);

    const results: ChangeResult[] = [];
    const changeWindows: Window[] = [];
    if (sync.synced < sync.clients) {
      notes.push('config changes were not measured: not every client completed the initial sync');
    } else {
      for (const change of changes) {
        const fromUs = monotonicUs();
        let result: ChangeResult;
        try {
          result = await measureChange(cp, load, dir, change, opts.clients, notes);
        } catch (err) {
          if (!(err instanceof PhaseAbortedError)) throw err;
          notes.push(`${change.name} change abandoned: ${err.reason}`);
          continue;
        }
        changeWindows.push({ fromUs, toUs: monotonicUs() });
        results.push(result);
        opts.log(`  ${label}, ${change.name}: ${result.acked}/${result.expected} acked, p99 ${result.latency.p99.toFixed(0)} ms${result.timedOut ? ' (TIMEOUT)' : ''}`);
      }
    }
    const peakRssBytes = memory(pid).peakRss;
    return { clients: opts.clients, httpProxyMode, idleRssBytes, rssAfterSyncBytes, heapAfterSync, peakRssBytes, sync, changes: results, notes, windows: { sync: syncWindow, changes: changeWindows } };
  } finally {
    await load?.close();
    await cp?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
