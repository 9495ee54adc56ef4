// The load process: a separate Node process (forked by the bench) holding the simulated
// sidecars, so their work never shares an event loop with the bench's own timing. It does what
// the bench asks over IPC and answers with measurements; it exits when the bench goes away.
import { ResponseFactsCache } from './facts.js';
import { now, type AckReport, type FromLoad, type PerType, type SyncReport, type ToLoad } from './load-protocol.js';
import { SimulatedSidecar } from './sidecar.js';

const facts = new ResponseFactsCache();
let sidecars: SimulatedSidecar[] = [];
let responses: PerType = {};
let bytes: PerType = {};
let lastResponseAt = 0;
const syncedAt: number[] = [];
const ackedAt: number[] = [];
const errors = new Set<string>();
let failed = 0;
let wake: (() => void) | undefined;

const hooks = {
  onResponse(type: string, size: number): void {
    responses[type] = (responses[type] ?? 0) + 1;
    bytes[type] = (bytes[type] ?? 0) + size;
    lastResponseAt = now();
  },
  onSynced(_s: SimulatedSidecar, at: number): void {
    syncedAt.push(at);
    wake?.();
  },
  onChangeAcked(_s: SimulatedSidecar, at: number): void {
    ackedAt.push(at);
    wake?.();
  },
  onFailed(_s: SimulatedSidecar, message: string): void {
    failed++;
    if (errors.size < 5) errors.add(message);
    wake?.();
  },
};

function send(message: FromLoad): void {
  process.send?.(message);
}

/** Resolves once `done()` holds, re-checked on every hook event, or after `timeoutMs`. */
function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      wake = undefined;
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    wake = () => {
      if (done()) finish(true);
    };
    wake();
  });
}

function resetCounters(): void {
  responses = {};
  bytes = {};
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function connect(port: number, clients: number, timeoutMs: number, httpProxyPort: number | undefined): Promise<SyncReport> {
  resetCounters();
  const cpu = cpuSeconds();
  const startedAt = now();
  sidecars = [];
  for (let i = 0; i < clients; i++) sidecars.push(new SimulatedSidecar(i, port, facts, hooks, httpProxyPort));
  for (const s of sidecars) s.start();
  const ok = await until(() => syncedAt.length + failed >= clients, timeoutMs);
  return {
    type: 'synced', startedAt, syncedAt: [...syncedAt], clients, failed, errors: [...errors], timedOut: !ok,
    responses, bytes, loadCpuSeconds: cpuSeconds() - cpu,
  };
}

let armCpu = 0;

async function awaitAcks(timeoutMs: number): Promise<AckReport> {
  const live = (): number => sidecars.filter((s) => !s.failed).length;
  const ok = await until(() => ackedAt.length >= live(), timeoutMs);
  return { type: 'acks', ackedAt: [...ackedAt], clients: live(), timedOut: !ok, responses, bytes, loadCpuSeconds: cpuSeconds() - armCpu };
}

async function quiet(quietMs: number, timeoutMs: number): Promise<FromLoad> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (now() - lastResponseAt >= quietMs) return { type: 'quiet', lastResponseAt, timedOut: false };
    if (Date.now() > deadline) return { type: 'quiet', lastResponseAt, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function handle(message: ToLoad): Promise<void> {
  switch (message.type) {
    case 'connect':
      send(await connect(message.port, message.clients, message.timeoutMs, message.httpProxyPort));
      return;
    case 'arm':
      facts.arm(message.probe);
      for (const s of sidecars) s.changeAcked = false;
      ackedAt.length = 0;
      resetCounters();
      armCpu = cpuSeconds();
      send({ type: 'armed' });
      return;
    case 'await-acks':
      send(await awaitAcks(message.timeoutMs));
      return;
    case 'quiet':
      send(await quiet(message.quietMs, message.timeoutMs));
      return;
    case 'close':
      for (const s of sidecars) s.close();
      sidecars = [];
      process.disconnect?.();
      // gRPC channels close asynchronously; nothing else is worth waiting for.
      setTimeout(() => process.exit(0), 200).unref();
      return;
  }
}

process.on('message', (message: ToLoad) => {
  handle(message).catch((err: unknown) => send({ type: 'failed', message: (err as Error).stack ?? String(err) }));
});
// The bench is gone (crashed or killed): do not outlive it.
process.on('disconnect', () => process.exit(0));
