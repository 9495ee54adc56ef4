// `isthmus up` as a library: check every port, install the demo's config on first run, start
// every process at once (proxies retry xDS until the manager answers, so nothing waits for
// anything), report each as it becomes ready, and finally prove the product page answers
// through the gateway. Any failure stops what was started and says which process and why.
import { BOOKINFO_WORKLOADS } from './bookinfo.js';
import { installBookinfo } from './install.js';
import { upLayout, type UpLayout } from './layout.js';
import { logTail } from './log-tail.js';
import { meshProcesses, workloadProcesses, type MeshProcess } from './mesh-processes.js';
import { assertPortsFree } from './ports.js';
import { waitUntilOk } from './readiness.js';
import { claimStateDir } from './state-dir.js';
import { productPageUrl, upSummary } from './summary.js';
import { Supervisor, type Supervised } from './supervisor.js';

export interface UpOptions {
  stateDir: string;
  basePort: number;
  gatewayPort: number;
  /** Run Bookinfo (default) or only the mesh's own processes. */
  demo: boolean;
  out: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface RunningMesh {
  layout: UpLayout;
  /** The pids of every process started (each leads its own process group). */
  pids(): number[];
  /** Drains and stops every process, then releases the state dir. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5000;

export async function startMesh(opts: UpOptions): Promise<RunningMesh> {
  const started = Date.now();
  const out = opts.out;
  const workloads = opts.demo ? BOOKINFO_WORKLOADS : [];
  const layout = upLayout(opts.basePort, opts.gatewayPort, workloads);
  const state = claimStateDir(opts.stateDir);
  const supervisor = new Supervisor();
  const stop = async () => {
    const killed = await supervisor.stopAll(STOP_GRACE_MS);
    if (killed.length > 0) out(`  killed after ${STOP_GRACE_MS / 1000} s without stopping: ${killed.join(', ')}`);
    state.release();
  };
  try {
    await assertPortsFree(layout.claims);
    if (opts.demo) for (const c of (await installBookinfo(state, opts.gatewayPort)).changes) out(`  config: ${c}`);
    const processes = [...meshProcesses(layout, state), ...workloadProcesses(layout, workloads)];
    out(`starting ${processes.map((p) => p.title).join(', ')}`);
    const running = processes.map((p) => ({ p, s: supervisor.start(p.name, p.cmd, { env: p.env, output: { logFile: state.logFile(p.name) }, stopLast: p.stopLast }) }));
    supervisor.onExit((s, status) => {
      if (!supervisor.stopping) out(`  ! ${s.name} exited (${status.code ?? status.signal}); its log: ${state.logFile(s.name)}`);
    });
    const width = Math.max(...processes.map((p) => p.title.length));
    await Promise.all(running.map(async ({ p, s }) => {
      await waitReady(p, s, opts.readyTimeoutMs ?? 30_000, state.logFile(p.name));
      out(`  ✓ ${p.title.padEnd(width)}  ${p.detail}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }));
    if (opts.demo) {
      // Ready processes are not yet a working path: the gateway must also have learnt productpage's endpoint.
      await waitUntilOk('the product page through the gateway', productPageUrl(layout), {
        timeoutMs: opts.readyTimeoutMs ?? 30_000,
        accept: (body) => body.includes('Book Details') && body.includes('Book Reviews'),
      });
      out(`  ✓ the product page answers through the gateway  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    out(upSummary({ layout, demo: opts.demo, configDir: state.configDir, logsDir: state.logsDir, elapsedMs: Date.now() - started }));
  } catch (e) {
    await stop();
    throw e;
  }
  return { layout, pids: () => supervisor.children.map((c) => c.pid), stop };
}

async function waitReady(p: MeshProcess, s: Supervised, timeoutMs: number, log: string): Promise<void> {
  let status: string | undefined;
  void s.exited.then((x) => (status = `exited (${x.code ?? x.signal}) before it was ready`));
  try {
    await waitUntilOk(p.title, p.readyUrl, { timeoutMs, givenUp: () => status });
  } catch (e) {
    const tail = logTail(log);
    (e as Error).message += `\n  its log (${log}):\n${tail}`;
    throw e;
  }
}
