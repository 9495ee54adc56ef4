// `isthmus proxy` once its flags are checked (proxy.ts): builds the single proxy, or the primary
// or a worker of `--concurrency N`, serves the admin, readiness and stats ports, and drains on
// SIGTERM. Loaded only then, so a usage error costs no gRPC or proto loading. The workload
// identity agent (the CA client, X.509 code) loads only with --ca-address.
import { adminRoutes, serveAdmin } from '../../proxy/admin/admin-server.js';
import type { IdentitySettings } from '../../proxy/identity/flags.js';
import { installMeshSecrets, meshSecrets, MeshSecretStore } from '../../proxy/identity/secret-store.js';
import type { IdentityAgent } from '../../proxy/identity/agent.js';
import { WorkerIdentity } from '../../proxy/identity/worker-identity.js';
import { flushMixerClients, mixerClientMetricsText } from '../../mixerclient/index.js';
import { ticketKeys } from '../../proxy/listener/session-tickets.js';
import { MeshObserver, type ObservabilityOptions } from '../../proxy/observability/mesh-observer.js';
import { advertiseAdmin, proxyNode, type ProxyIdentity } from '../../proxy/runtime/node.js';
import { singleProxy } from '../../proxy/runtime/single.js';
import { isWorker, primaryProxy, runWorker } from '../../proxy/runtime/workers.js';
import type { XdsMode } from '../../proxy/xds-client/mode.js';
import { EXIT, UsageError, type Io } from '../command.js';

/** Everything the flags said, checked. */
export interface ProxySettings {
  xds: string;
  xdsMode: XdsMode;
  type: 'sidecar' | 'gateway';
  identity: ProxyIdentity;
  /** The workload identity settings; undefined without --ca-address. */
  mesh: IdentitySettings | undefined;
  adminPort: number;
  readinessPort: number;
  statsPort: number;
  drainMs: number;
  concurrency: number;
  observability: Omit<ObservabilityOptions, 'node' | 'log'>;
}

/**
 * Runs the proxy until it has drained; the exit code. `started` is called once it is ready (start-up
 * allocation is over: proxy.ts lets V8's young generation grow again then).
 */
export async function runProxy(settings: ProxySettings, io: Io, started: () => void): Promise<number> {
  const { xds, xdsMode, type, mesh, concurrency } = settings;
  const node = proxyNode(settings.identity);
  const log = (l: string) => io.err(l);
  const primary = concurrency > 1 && !isWorker();
  // Traffic (and so observability) lives in the workers; the primary only merges their metrics.
  const observer = primary ? undefined : new MeshObserver({ node, log, ...settings.observability });
  // Istio's metrics, then the Mixer client's counters (empty unless a listener has the Mixer filter).
  const metrics = async () => `${(await observer?.metricsText()) ?? ''}${mixerClientMetricsText()}`;
  if (isWorker()) {
    // A worker's identity is the primary's: it gets the certificate over IPC, never from the CA.
    const identity = mesh ? new WorkerIdentity(installedStore()) : undefined;
    const options = { xds, xdsMode, node, gateway: type === 'gateway', log, ...(observer ? { observer } : {}), ...(identity ? { identity } : {}) };
    runWorker(options, { metrics, ready: started, ...(identity ? { identity } : {}) });
    await new Promise(() => {});
  }
  const agent = mesh ? await identityAgent(mesh, log) : undefined;
  const options = { xds, xdsMode, node, gateway: type === 'gateway', log, ...(observer ? { observer } : {}), ...(agent ? { identity: agent } : {}) };
  const identityStore = meshSecrets();
  if (!primary) ticketKeys.startRotation();
  const proxy = primary ? primaryProxy(options, concurrency, identityStore ? { identityStore } : {}) : singleProxy(options, metrics);
  let stopping: Promise<void> | undefined;
  let exit: () => void = () => {};
  const exited = new Promise<void>((r) => (exit = r));
  const stop = () => {
    stopping ??= proxy.drain(settings.drainMs).then(exit);
    return stopping;
  };
  const hooks = { metrics: () => proxy.metrics(), drain: (andExit: boolean) => (andExit ? void stop() : proxy.drainListeners()) };
  const routes = adminRoutes(proxy.view, hooks);
  const admin = await serveAdmin('127.0.0.1', settings.adminPort, routes);
  const readiness = await serveAdmin('0.0.0.0', settings.readinessPort, { '/healthz/ready': routes['/healthz/ready']! });
  const stats = await serveAdmin('0.0.0.0', settings.statsPort, { '/stats/prometheus': routes['/stats/prometheus']! });
  io.out(`admin http://127.0.0.1:${admin.port} readiness http://127.0.0.1:${readiness.port}/healthz/ready stats http://127.0.0.1:${stats.port}/stats/prometheus`);
  advertiseAdmin(node, `127.0.0.1:${admin.port}`);
  agent?.start();
  proxy.start();
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await Promise.race([proxy.ready(), exited]);
  started();
  if (!stopping) io.out('ready');
  await exited;
  await agent?.close();
  await flushMixerClients(); // batched Reports must not be lost on shutdown
  await observer?.close();
  admin.server.close();
  readiness.server.close();
  stats.server.close();
  return EXIT.OK;
}

/** The workload identity agent, with the process's mesh secrets installed for TLS contexts to read. */
async function identityAgent(mesh: IdentitySettings, log: (line: string) => void): Promise<IdentityAgent> {
  const { createKeyProvider, IdentityAgent: Agent } = await import('../../proxy/identity/index.js');
  let keyProvider;
  try {
    keyProvider = await createKeyProvider(mesh.keyProvider);
  } catch (err) {
    throw new UsageError(`--private-key-provider ${mesh.keyProvider}: ${(err as Error).message}`);
  }
  return new Agent({ ...mesh, keyProvider, store: installedStore(), log });
}

/** The process's mesh secret store, installed for the TLS code to resolve `default`/`ROOTCA` from. */
function installedStore(): MeshSecretStore {
  const store = new MeshSecretStore();
  installMeshSecrets(store);
  return store;
}
