// `isthmus run` as a library: a sidecar in front of any program. The sidecar starts first and
// the program only once it is ready (so its first call already goes through the mesh); signals
// go to the program; when the program exits, the sidecar drains and stops, and the program's
// exit code is the result — a batch job completes instead of leaving a proxy behind.
import { appEnv } from './app-env.js';
import { isthmusCommand } from './isthmus-bin.js';
import { tokenEnv } from './mesh-ca.js';
import { ephemeralPort } from './ports.js';
import type { RunIdentity } from './run-mesh.js';
import { sidecarArgs } from './proxy-args.js';
import { exitCodeOf, Supervisor, type Supervised } from './supervisor.js';

export interface RunOptions {
  service: string;
  version: string;
  namespace: string;
  /** Kubernetes' `default` when not given. */
  serviceAccount?: string;
  xds: string;
  /** A workload identity from the mesh CA (resolveRunMesh); without it the sidecar is plaintext only. */
  identity?: RunIdentity;
  /** The program's own port; without it the sidecar registers nothing (a client or a job). */
  appPort?: number;
  inboundPort?: number;
  outboundPort?: number;
  program: string[];
  /** Progress and the sidecar's output (stderr in the CLI). */
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const STOP_GRACE_MS = 5000;

export class SidecarFailedError extends Error {
  readonly code = 'SIDECAR_FAILED';
}

export async function runWithSidecar(opts: RunOptions): Promise<number> {
  const [command, ...args] = opts.program;
  if (!command) throw new Error('no program to run: give it after --, e.g. isthmus run --service job -- ./job.sh');
  const inbound = opts.inboundPort ?? (opts.appPort !== undefined ? await ephemeralPort() : 0);
  const outbound = opts.outboundPort ?? (await ephemeralPort());
  const supervisor = new Supervisor();
  const id = opts.identity;
  const proxy = supervisor.start(`${opts.service}-sidecar`, isthmusCommand(sidecarArgs({
    xds: opts.xds, service: opts.service, namespace: opts.namespace, labels: { version: opts.version },
    ...(opts.serviceAccount !== undefined ? { serviceAccount: opts.serviceAccount } : {}),
    ...(opts.appPort !== undefined ? { appPort: opts.appPort } : {}),
    // 0 for admin, readiness and stats: the proxy picks free ones and says which.
    inboundPort: inbound, outboundPort: outbound, adminPort: 0, readinessPort: 0, statsPort: 0,
    ...(id ? { identity: id.flags } : {}),
    // The token (when minted here) goes to the sidecar's environment, never the program's.
  })), { output: 'pipe', ...(id?.token !== undefined ? { env: tokenEnv(id.token) } : {}) });
  try {
    await sidecarReady(proxy, opts);
  } catch (e) {
    await supervisor.stopAll(STOP_GRACE_MS);
    throw e;
  }
  opts.log(`isthmus run: sidecar for ${opts.service} ${opts.version} ready` +
    (opts.appPort !== undefined ? ` — inbound 127.0.0.1:${inbound} → app :${opts.appPort}` : '') +
    `; HTTP_PROXY=http://127.0.0.1:${outbound}` +
    (id ? `; mTLS as ${id.spiffeId}` : ''));
  // On a terminal the program shares our process group, so it can read the terminal and gets
  // Ctrl-C from it directly; otherwise it gets its own and we pass the signals on.
  const interactive = process.stdin.isTTY === true;
  const env = appEnv(outbound, opts.appPort !== undefined ? { PORT: String(opts.appPort) } : {});
  const app = supervisor.start(opts.service, { command, args }, { env, output: 'inherit', ownGroup: !interactive });
  const forward = (signal: NodeJS.Signals) => {
    if (!(interactive && signal === 'SIGINT')) app.child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  let proxyGone = false;
  void proxy.exited.then((x) => {
    proxyGone = true;
    if (app.running()) opts.log(`isthmus run: the sidecar exited (${x.code ?? x.signal}) while ${command} still runs; its calls through HTTP_PROXY will fail`);
  });
  try {
    const status = await app.exited;
    if (!proxyGone) await supervisor.stop(proxy, STOP_GRACE_MS);
    if (app.startError) opts.log(`isthmus run: cannot start "${command}": ${app.startError}`);
    return exitCodeOf(status);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

/** The proxy prints `ready` on its own line once its first config is applied and every listener bound. */
function sidecarReady(proxy: Supervised, opts: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new SidecarFailedError(`the sidecar was not ready after ${(opts.readyTimeoutMs ?? 30_000) / 1000} s; is the manager running at ${opts.xds}${opts.identity ? ` and its CA at ${opts.identity.flags.caAddress}` : ''}? (isthmus up starts one; --xds or --state-dir picks another)\n${text}`)), opts.readyTimeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      text += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim() && line.trim() !== 'ready') opts.log(`[sidecar] ${line}`);
      if (/^ready$/m.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proxy.child.stdout!.on('data', onData);
    proxy.child.stderr!.on('data', onData);
    void proxy.exited.then((x) => {
      clearTimeout(timer);
      reject(new SidecarFailedError(`the sidecar exited (${x.code ?? x.signal}) before it was ready`));
    });
  });
}
