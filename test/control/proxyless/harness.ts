// A real mesh in one test process: the manager on the file store, real gRPC echo backends
// registered as WorkloadEntries behind a ServiceEntry, and real @grpc/grpc-js-xds clients.
// grpc-js-xds reads its bootstrap once per process, so each test file starts one harness.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { Manager } from '../../../src/control/manager.js';
import type { PushContext } from '../../../src/control/model/index.js';
import type { Generator, TypeUrl } from '../../../src/control/xds/index.js';
import { openStore, type ConfigStore } from '../../../src/store/index.js';
import { applyYaml } from '../../helpers/config.js';
import { eventually } from '../../helpers/eventually.js';
import { callOnce, EchoClient, startEchoBackend, type Behaviour, type CallReply, type EchoBackend } from '../../helpers/grpc-echo.js';

export const SERVICE = 'echo.default.svc.cluster.local';
export const SERVICE_PORT = 7070;
export const TARGET = `xds:///${SERVICE}:${SERVICE_PORT}`;

export interface Mesh {
  store: ConfigStore;
  manager: Manager;
  xdsPort: number;
  backends: EchoBackend[];
  /** Writes to the file store, then (unless told not to) waits until every client acked the result. */
  apply(yaml: string, opts?: { converge?: boolean }): Promise<void>;
  remove(kind: string, name: string): Promise<void>;
  restartManager(): Promise<void>;
  stopManager(): Promise<void>;
  close(): Promise<void>;
}

export interface BackendSpec {
  name: string;
  version: string;
  behaviour?: Behaviour;
}

let registered = false;

export async function startMesh(backendSpecs: BackendSpec[], opts: { generators?: ReadonlyMap<TypeUrl, Generator<PushContext>> } = {}): Promise<Mesh> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-proxyless-'));
  const store = await openStore({ backend: 'file', dir });
  const backends = await Promise.all(backendSpecs.map((b) => startEchoBackend(b.name, b.behaviour)));
  const start = (port: number) => Manager.start({ store, xdsPort: port, debounceMs: 20, generators: opts.generators, log: () => {} });
  let manager: Manager | undefined = await start(0);
  const xdsPort = manager.xdsPort;
  const apply = async (yaml: string, opts: { converge?: boolean } = {}) => {
    const before = manager?.current().version;
    const revision = store.revision();
    await applyYaml(store, yaml);
    // Re-applying what is stored changes nothing, so there is nothing to wait for.
    if (manager && opts.converge !== false && store.revision() !== revision) await converged(manager, before as string);
  };
  await apply(serviceYaml(backendSpecs, backends));
  if (!registered) {
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(bootstrap(xdsPort));
    grpcXds.register();
    registered = true;
  }
  const mesh: Mesh = {
    store,
    get manager() {
      if (!manager) throw new Error('the manager is stopped');
      return manager;
    },
    xdsPort,
    backends,
    apply,
    remove: (kind, name) => store.delete(kind, 'default', name),
    stopManager: async () => {
      await manager?.close();
      manager = undefined;
    },
    restartManager: async () => {
      await manager?.close();
      manager = await start(xdsPort);
    },
    close: async () => {
      await manager?.close();
      await store.close();
      await Promise.all(backends.map((b) => b.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return mesh;
}

/**
 * Waits until the manager has rebuilt after a write (its version moved past `before`) and every
 * connected client has acknowledged all it was sent, including the newest version of at least
 * one type. This is the ordering a test needs; no fixed sleep stands in for it.
 */
async function converged(manager: Manager, before: string): Promise<void> {
  await eventually('clients acked the new config', () => {
    const version = manager.current().version;
    if (version === before) return undefined;
    const clients = manager.syncz();
    const done = clients.every((c) => {
      const types = Object.values(c.types);
      return types.every((t) => t.acked === t.sent) && types.some((t) => t.sent === version);
    });
    return done ? true : undefined;
  });
}

/** The bootstrap a proxyless gRPC client gets, in the shape Istio's agent writes for one. */
export function bootstrap(xdsPort: number): Record<string, unknown> {
  return {
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: 'sidecar~127.0.0.1~echo-client-1.default~default.svc.cluster.local',
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', LABELS: { app: 'echo-client' } },
      locality: {},
    },
  };
}

function serviceYaml(specs: BackendSpec[], backends: EchoBackend[]): string {
  const entries = backends.map((b, i) => `---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${b.name}, namespace: default}
spec:
  address: 127.0.0.1
  ports: {grpc: ${b.port}}
  labels: {app: echo, version: ${specs[i]?.version}}
`);
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [${SERVICE}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${SERVICE_PORT}, name: grpc, protocol: GRPC}]
  workloadSelector: {labels: {app: echo}}
${entries.join('')}`;
}

export function newClient(target = TARGET): grpc.Client {
  return new EchoClient(target, grpc.credentials.createInsecure());
}

/** Makes `n` calls one after another and counts answers by backend name or by error code. */
export async function tally(client: grpc.Client, n: number, opts: Parameters<typeof callOnce>[1] = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const { reply, error } = await callOnce(client, opts);
    const key = reply ? reply.backend : `error:${grpc.status[error?.code ?? grpc.status.UNKNOWN]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export async function served(client: grpc.Client, opts: Parameters<typeof callOnce>[1] = {}): Promise<CallReply | undefined> {
  return (await callOnce(client, { deadlineMs: 5000, ...opts })).reply;
}
