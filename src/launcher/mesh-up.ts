// `isthmus up` as a library: check every port, install the demo's config and prepare the mesh
// CA's directory on first run, start the manager and the programs, mint a bootstrap token per
// workload identity meanwhile and start every proxy (proxies retry xDS and the CA until the
// manager answers, so nothing waits for anything; a proxy is ready only once it holds its
// certificate), report each as it becomes ready, and finally prove the product page answers
// through the gateway — over mutual TLS. Any failure stops what was started and says which
// process and why.
import { BOOKINFO_WORKLOADS } from './bookinfo.js';
import { installBookinfo } from './install.js';
import { upLayout, type UpLayout } from './layout.js';
import { logTail } from './log-tail.js';
import { meshCaAt, meshIdentities, prepareCaDir } from './mesh-ca.js';
import { writeMeshInfo } from './mesh-info.js';
import { plainProcesses, proxyIdentities, proxyProcesses, type MeshProcess } from './mesh-processes.js';
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
    await Promise.all([
      prepareCaDir(state.caDir),
      (async () => {
        await assertPortsFree(layout.claims);
        if (opts.demo) for (const c of (await installBookinfo(state, opts.gatewayPort)).changes) out(`  config: ${c}`);
      })(),
    ]);
    supervisor.onExit((s, status) => {
      if (!supervisor.stopping) out(`  ! ${s.name} exited (${status.code ?? status.signal}); its log: ${state.logFile(s.name)}`);
    });
    const start = (p: MeshProcess) => ({ p, s: supervisor.start(p.name, p.cmd, { env: p.env, output: { logFile: state.logFile(p.name) }, stopLast: p.stopLast }) });
    const running = plainProcesses(layout, state, workloads).map(start);
    // The tokens are minted while the manager and the programs start.
    const caAddress = `127.0.0.1:${layout.ca}`;
    const ids = await meshIdentities(await meshCaAt(state.caDir, caAddress), proxyIdentities(workloads));
    const proxies = proxyProcesses(layout, workloads, ids);
    running.push(...proxies.map(start));
    out(`starting ${running.map(({ p }) => p.title).join(', ')}`);
    const width = Math.max(...running.map(({ p }) => p.title.length));
    await Promise.all(running.map(async ({ p, s }) => {
      await waitReady(p, s, opts.readyTimeoutMs ?? 30_000, state.logFile(p.name));
      out(`  ✓ ${p.title.padEnd(width)}  ${p.detail}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }));
    // A proxy with an identity is ready only once it holds its certificate: each ready is one issued.
    out(`  ✓ mTLS: ${proxies.length} workload certificate${proxies.length === 1 ? '' : 's'} issued by the mesh CA (trust domain ${ids.ca.trustDomain}); sidecars talk mutual TLS`);
    if (opts.demo) {
      // Ready processes are not yet a working path: the gateway must also have learnt productpage's endpoint.
      await waitUntilOk('the product page through the gateway', productPageUrl(layout), {
        timeoutMs: opts.readyTimeoutMs ?? 30_000,
        accept: (body) => body.includes('Book Details') && body.includes('Book Reviews'),
      });
      out(`  ✓ the product page answers through the gateway  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    writeMeshInfo(state.root, { xds: `127.0.0.1:${layout.xds}`, ca: { address: caAddress, rootFile: ids.ca.rootFile, caDir: state.caDir, trustDomain: ids.ca.trustDomain } });
    out(upSummary({ layout, demo: opts.demo, stateDir: state.root, configDir: state.configDir, logsDir: state.logsDir, caRootFile: ids.ca.rootFile, elapsedMs: Date.now() - started }));
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
