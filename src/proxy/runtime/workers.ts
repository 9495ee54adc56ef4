// `--concurrency N`: one primary process holds the xDS stream and the admin ports; N worker
// processes serve traffic. Every worker binds the same listeners (node's cluster module shares
// the sockets; with SCHED_NONE the kernel spreads accepted connections, so the primary does not
// touch data-plane traffic). The primary validates and ACKs each config once, then fans the
// snapshot out to all workers over IPC; a worker that dies is replaced and given the latest.
import cluster, { type Worker } from 'node:cluster';
import type { AdminView } from '../admin/views.js';
import type { ListenerStatus } from '../listener/listener-manager.js';
import { checkCluster } from '../upstream/check-cluster.js';
import { XdsClient, type XdsSnapshot } from '../xds-client/index.js';
import { ROOT_SECRET, type MeshSecretStore } from '../identity/secret-store.js';
import { shareIdentity, type IdentityUpdate, type WorkerIdentity } from '../identity/worker-identity.js';
import { ticketKeys } from '../listener/session-tickets.js';
import { mergePrometheusText } from './metrics-merge.js';
import { Proxy, type ProxyOptions } from './proxy.js';
import type { RunningProxy } from './running-proxy.js';

type ToWorker =
  | { type: 'snapshot'; snapshot: XdsSnapshot }
  | { type: 'drain'; timeoutMs: number }
  | { type: 'drain-listeners' }
  | { type: 'metrics'; id: number }
  /** The primary's session ticket keys, so a ticket from one worker resumes on any other. */
  | { type: 'ticket-keys'; keys: Buffer }
  /** The workload certificate and trust bundle the primary's identity agent holds. */
  | { type: 'identity'; update: IdentityUpdate };
type FromWorker = { type: 'hello' } | { type: 'ready' } | { type: 'listeners'; status: ListenerStatus[] } | { type: 'metrics'; id: number; text: string };

export interface WorkerHooks {
  metrics(): Promise<string>;
  /** With a workload identity: where the primary's certificates go. */
  identity?: WorkerIdentity;
  /** Called once, when the worker first serves its listeners. */
  ready?: () => void;
}

export interface PrimaryHooks {
  /** With a workload identity: the agent's secrets, shared with every worker. */
  identityStore?: MeshSecretStore;
}

/** Primary side. */
export function primaryProxy(opts: ProxyOptions & { xds: string }, count: number, hooks: PrimaryHooks = {}): RunningProxy {
  // Must be set before the first fork.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ serialization: 'advanced' });
  const log = opts.log ?? (() => {});
  // Built but never bound: it only checks listeners so bad ones are NACKed here, once.
  const { xds: server, ...local } = opts;
  const checker = new Proxy(local);
  const workers = new Set<Worker>();
  const readyWorkers = new Set<Worker>();
  let listenerStatus: ListenerStatus[] = [];
  let latest: XdsSnapshot | undefined;
  let stopping = false;
  let readyWaiters: (() => void)[] = [];
  let metricsId = 0;
  const pendingMetrics = new Map<number, { texts: string[]; left: number; resolve: (t: string) => void }>();

  // Secrets the workers need before they can terminate TLS: sent at hello and on every change.
  let identity: IdentityUpdate | undefined;
  const stopSharing = hooks.identityStore
    ? shareIdentity(hooks.identityStore, (update) => {
      identity = update;
      for (const w of workers) send(w, { type: 'identity', update });
    })
    : undefined;
  const stopTickets = ticketKeys.watch((keys) => {
    for (const w of workers) send(w, { type: 'ticket-keys', keys });
  });
  ticketKeys.startRotation();
  const isReady = () => latest !== undefined && readyWorkers.size === count;
  const checkReady = () => {
    if (!isReady()) return;
    const w = readyWaiters;
    readyWaiters = [];
    for (const f of w) f();
  };
  const send = (w: Worker, m: ToWorker) => {
    if (w.isConnected()) w.send(m);
  };
  const fork = () => {
    const w = cluster.fork({ ISTHMUS_WORKER: '1' });
    workers.add(w);
    w.on('message', (m: FromWorker) => {
      // A worker says hello once it listens for messages: only then can a snapshot reach it.
      if (m.type === 'hello') {
        send(w, { type: 'ticket-keys', keys: ticketKeys.current });
        if (identity) send(w, { type: 'identity', update: identity });
        if (latest) send(w, { type: 'snapshot', snapshot: latest });
      } else if (m.type === 'ready') {
        readyWorkers.add(w);
        checkReady();
      } else if (m.type === 'listeners') {
        listenerStatus = m.status;
      } else if (m.type === 'metrics') {
        const p = pendingMetrics.get(m.id);
        if (!p) return;
        p.texts.push(m.text);
        if (--p.left === 0) {
          pendingMetrics.delete(m.id);
          p.resolve(mergePrometheusText(p.texts));
        }
      }
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      readyWorkers.delete(w);
      if (stopping) return;
      log(`proxy: worker ${w.process.pid} exited (${signal ?? code}); starting another`);
      fork();
    });
  };

  const xds = new XdsClient({
    server,
    mode: opts.xdsMode,
    node: opts.node,
    log,
    checkListener: checker.checkListener,
    checkCluster,
    ...(opts.identity ? { secretNames: [ROOT_SECRET] } : {}),
    onUpdate: (snapshot) => {
      const root = snapshot.secrets?.get(ROOT_SECRET);
      if (root?.trustedCaPem) opts.identity?.acceptRootBundle(root.trustedCaPem);
      latest = snapshot;
      for (const w of workers) send(w, { type: 'snapshot', snapshot });
    },
  });

  const view: AdminView = {
    get isReady() {
      return isReady();
    },
    get snapshot() {
      return xds.snapshot();
    },
    listenerStatus: () => listenerStatus,
  };

  return {
    view,
    start() {
      for (let i = 0; i < count; i++) fork();
      xds.start();
    },
    ready: () => (isReady() ? Promise.resolve() : new Promise((r) => readyWaiters.push(r))),
    metrics() {
      const live = [...workers].filter((w) => w.isConnected());
      if (live.length === 0) return Promise.resolve('');
      const id = ++metricsId;
      return new Promise((resolve) => {
        pendingMetrics.set(id, { texts: [], left: live.length, resolve });
        for (const w of live) send(w, { type: 'metrics', id });
        // A worker that dies mid-scrape must not hang the scrape.
        setTimeout(() => {
          const p = pendingMetrics.get(id);
          if (p) {
            pendingMetrics.delete(id);
            resolve(mergePrometheusText(p.texts));
          }
        }, 2000).unref();
      });
    },
    drainListeners() {
      for (const w of workers) send(w, { type: 'drain-listeners' });
    },
    async drain(timeoutMs) {
      stopping = true;
      xds.close();
      stopSharing?.();
      stopTickets();
      const exits = [...workers].map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
      for (const w of workers) send(w, { type: 'drain', timeoutMs });
      const timer = setTimeout(() => {
        for (const w of workers) w.kill('SIGKILL');
      }, timeoutMs + 2000);
      await Promise.all(exits);
      clearTimeout(timer);
    },
  };
}

/** Worker side: a proxy without its own xDS stream, fed by the primary. */
export function runWorker(opts: ProxyOptions, hooks: WorkerHooks): void {
  const { xds: _ignored, ...local } = opts;
  const proxy = new Proxy(local);
  const reply = (m: FromWorker) => process.send?.(m);
  let announced = false;
  process.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'snapshot':
        proxy.applySnapshot(m.snapshot);
        void proxy.ready().then(() => {
          reply({ type: 'listeners', status: proxy.listeners.listeners() });
          if (!announced) {
            announced = true;
            hooks.ready?.();
            reply({ type: 'ready' });
          }
        });
        break;
      case 'drain-listeners':
        void proxy.listeners.drain();
        break;
      case 'drain':
        void proxy.drain(m.timeoutMs).then(() => process.exit(0));
        break;
      case 'metrics':
        void hooks.metrics().then((text) => reply({ type: 'metrics', id: m.id, text }));
        break;
      case 'ticket-keys':
        ticketKeys.set(Buffer.from(m.keys));
        break;
      case 'identity':
        hooks.identity?.apply(m.update);
        break;
    }
  });
  // The primary going away takes the worker with it.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'hello' });
}

export function isWorker(): boolean {
  return cluster.isWorker && process.env.ISTHMUS_WORKER === '1';
}
