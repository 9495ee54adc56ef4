// The proxy with the Mixer filter on against off: the real manager, a real `isthmus proxy` whose
// inbound listener fronts the upstream (nginx from bench/proxy), and the same wrk load through
// it. "on" differs from "off" only by MeshConfig naming the Mixer (mixerCheckServer and
// mixerReportServer), so the manager adds the Mixer filter to the inbound listener; "check-only"
// names only the Check server, to show what Report costs apart. Plaintext callers carry no
// principal, so the one rule's answer is cached after the first request (warm). Runs rotate
// through the modes so drift in the machine's other load hits all of them alike.
import { loadavg } from 'node:os';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneProcess } from '../control-plane/control-plane-process.js';
import type { Window } from '../common/cpu-profile.js';
import { cpuSeconds } from '../common/proc.js';
import { freePort } from '../proxy/ports.js';
import { processTree, treeCpuSeconds } from '../proxy/process-tree.js';
import { probe } from '../proxy/row.js';
import { ServerProcess } from '../proxy/server-process.js';
import type { RunningUpstream } from '../proxy/upstream.js';
import { runTool } from '../proxy/load-tool.js';
import { parseWrk, wrkArgs as wrkCommandLine, type WrkOptions, type WrkResult } from '../proxy/wrk.js';
import { NAMESPACE, meshConfigYaml } from './policy.js';

/** off: no MeshConfig; check-only: mixerCheckServer alone; on: Check and Report (the "filter on"). */
export type FilterMode = 'off' | 'check-only' | 'on';
export const FILTER_MODES: readonly FilterMode[] = ['off', 'check-only', 'on'];

export interface WrkShape {
  threads: number;
  connections: number;
  warmUpSeconds: number;
  seconds: number;
}

/** The proxy's Mixer client counters over a run (from its admin /stats/prometheus). */
export interface ClientCounters {
  checkCalls: number;
  cacheHits: number;
  remoteChecks: number;
  reports: number;
  remoteReports: number;
}

export interface ProxyRun {
  mode: FilterMode;
  wrk: WrkResult & { socketErrorKinds?: string };
  proxyCpu: number;
  /** Mixer's CPU over the same run (its Report ingestion, mostly); 0 when off. */
  mixerCpu: number;
  loadAverage: number;
  counters?: ClientCounters;
  /** When the measured wrk run happened (monotonic µs), to slice a CPU profile. */
  window: Window;
}

const SERVICE = 'bench-app';
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
const HOST = `${SERVICE}.${NAMESPACE}.svc.cluster.local`;
/** What the manager's inbound listener carries when MeshConfig names a Mixer. */
const MIXER_FILTER_MARK = 'isthmus.mixer.v1.HttpClientConfig';
const MESH_FILE = 'mesh.yaml';
/** Proxy flags of both modes: Istio metrics and access log off, so the Mixer filter is the only difference that costs. */
export const PROXY_FLAGS = ['--metrics', 'off', '--access-log', 'off'] as const;

/** wrk, keeping its socket error line (connect/read/write/timeout) for the report. */
async function runWrk(o: WrkOptions): Promise<WrkResult & { socketErrorKinds?: string }> {
  const output = await runTool('wrk', wrkCommandLine(o));
  const kinds = /Socket errors: (.*)$/m.exec(output)?.[1];
  return { ...parseWrk(output), ...(kinds ? { socketErrorKinds: kinds } : {}) };
}

async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, join(dir, name));
}

async function waitForFilter(adminPort: number, wanted: boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const dump = await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`, { signal: AbortSignal.timeout(2000) })).text();
      if (dump.includes(MIXER_FILTER_MARK) === wanted) return;
      last = wanted ? 'no Mixer filter in /config_dump yet' : 'the Mixer filter is still in /config_dump';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the proxy's inbound listener never ${wanted ? 'got' : 'lost'} the Mixer filter (last: ${last})`);
}

async function clientCounters(adminPort: number): Promise<ClientCounters> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/stats/prometheus`, { signal: AbortSignal.timeout(5000) })).text();
  const sum = (name: string): number => {
    let total = 0;
    for (const m of text.matchAll(new RegExp(`^envoy_http_mixer_filter_${name}\\{[^}]*\\} (\\S+)$`, 'gm'))) total += Number(m[1]);
    return total;
  };
  return {
    checkCalls: sum('total_check_calls'), cacheHits: sum('total_check_cache_hits'), remoteChecks: sum('total_remote_check_calls'),
    reports: sum('total_report_calls'), remoteReports: sum('total_remote_report_calls'),
  };
}

const minus = (a: ClientCounters, b: ClientCounters): ClientCounters => ({
  checkCalls: a.checkCalls - b.checkCalls, cacheHits: a.cacheHits - b.cacheHits, remoteChecks: a.remoteChecks - b.remoteChecks,
  reports: a.reports - b.reports, remoteReports: a.remoteReports - b.remoteReports,
});

/** The manager on the bench's config dir (which Mixer also reads) and one proxy per run. */
export class MixerMesh {
  private constructor(private readonly repoRoot: string, private readonly dir: string, private readonly controlPlane: ControlPlaneProcess) {}

  static async start(repoRoot: string, dir: string): Promise<MixerMesh> {
    const controlPlane = await ControlPlaneProcess.start({ repoRoot, configDir: dir, readyTimeoutMs: 30_000 });
    if (controlPlane.configErrors.length > 0) {
      await controlPlane.stop();
      throw new Error(`the control plane rejected the bench config:\n${controlPlane.configErrors.join('\n')}`);
    }
    return new MixerMesh(repoRoot, dir, controlPlane);
  }

  /** One measured run: MeshConfig for `mode`, a fresh proxy (`nodeFlags` such as --cpu-prof go to its node), wrk warm-up, measured wrk. */
  async run(mode: FilterMode, mixer: { address: string; pid: number }, upstream: RunningUpstream, shape: WrkShape, nodeFlags: readonly string[] = []): Promise<ProxyRun> {
    if (mode === 'off') await rm(join(this.dir, MESH_FILE), { force: true });
    else await writeAtomically(this.dir, MESH_FILE, meshConfigYaml(mixer.address, mode === 'on' ? mixer.address : ''));
    const [inboundPort, adminPort] = [await freePort(), await freePort()];
    const args = [
      ...nodeFlags, join(this.repoRoot, 'bin/isthmus.js'), 'proxy', '--xds', `127.0.0.1:${this.controlPlane.xdsPort}`,
      '--service', SERVICE, '--namespace', NAMESPACE, '--labels', `app=${SERVICE}`, '--app-port', String(upstream.port),
      '--inbound-port', String(inboundPort), '--outbound-port', '0', '--admin-port', String(adminPort), '--readiness-port', '0', '--stats-port', '0',
      '--drain-duration', '1s', ...PROXY_FLAGS,
    ];
    const proxy = await ServerProcess.start(`isthmus proxy (mixer ${mode})`, { command: process.execPath, args, cwd: this.repoRoot, readyLine: /^ready$/, readyTimeoutMs: 15_000 });
    try {
      await waitForFilter(adminPort, mode !== 'off');
      await probe(inboundPort, HOST);
      const wrkArgs = { port: inboundPort, host: HOST, threads: shape.threads, connections: shape.connections };
      await runWrk({ ...wrkArgs, seconds: shape.warmUpSeconds });
      const pids = processTree(proxy.pid);
      const countersBefore = mode !== 'off' ? await clientCounters(adminPort) : undefined;
      const loadAverage = loadavg()[0] as number;
      const proxyBefore = treeCpuSeconds(pids);
      const mixerBefore = cpuSeconds(mixer.pid);
      const fromUs = monotonicUs();
      const wrk = await runWrk({ ...wrkArgs, seconds: shape.seconds });
      const window = { fromUs, toUs: monotonicUs() };
      const proxyCpu = treeCpuSeconds(pids) - proxyBefore;
      const mixerCpu = mode !== 'off' ? cpuSeconds(mixer.pid) - mixerBefore : 0;
      const counters = countersBefore ? minus(await clientCounters(adminPort), countersBefore) : undefined;
      return { mode, wrk, proxyCpu, mixerCpu, loadAverage, window, ...(counters ? { counters } : {}) };
    } finally {
      await proxy.stop();
    }
  }

  async stop(): Promise<void> {
    await this.controlPlane.stop();
  }
}

/** Requests per proxy CPU-second over several runs of one mode: total requests over total CPU. */
export function perCpuSecond(runs: readonly ProxyRun[]): number {
  const requests = runs.reduce((s, r) => s + r.wrk.requests, 0);
  const cpu = runs.reduce((s, r) => s + r.proxyCpu, 0);
  return cpu > 0 ? requests / cpu : Number.NaN;
}

export async function makeConfigDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'isthmus-bench-mixer-'));
}
