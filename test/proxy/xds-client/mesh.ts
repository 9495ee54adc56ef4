// A real control plane for the client's tests: the manager on a memory store holding one
// ServiceEntry with two versions of endpoints, subsets for them, and a VirtualService.
import { Manager } from '../../../src/control/manager.js';
import type { PushContext } from '../../../src/control/model/index.js';
import type { SyncStatus } from '../../../src/control/xds/connection.js';
import type { Generator, TypeUrl } from '../../../src/control/xds/index.js';
import { openStore, type ConfigStore } from '../../../src/store/index.js';
import { matchRoute } from '../../../src/proxy/router/route-match.js';
import { XdsClient, type XdsClientOptions, type XdsSnapshot } from '../../../src/proxy/xds-client/index.js';
import { applyYaml } from '../../helpers/config.js';
import { eventually } from '../../helpers/eventually.js';

export const HOST = 'echo.default.svc.cluster.local';
export const PORT = 8080;
export const cluster = (subset = '') => `outbound|${PORT}|${subset}|${HOST}`;
export const NODE_ID = 'sidecar~127.0.0.1~client-1.default~default.svc.cluster.local';

export const BASE_CONFIG = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${PORT}, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, labels: {version: v1}}
  - {address: 127.0.0.2, labels: {version: v2}}
---
${destinationRule('v1', 'v2')}---
${virtualService('v2')}`;

/** Subsets of the service, each selecting its version label. */
export function destinationRule(...subsets: string[]): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: ${HOST}
  subsets: [${subsets.map((s) => `{name: ${s}, labels: {version: ${s}}}`).join(', ')}]
`;
}

/** Requests under /v2 go to `v2Subset`; the rest to the whole service. */
export function virtualService(v2Subset: string, restSubset?: string): string {
  const rest = restSubset ? `, subset: ${restSubset}` : '';
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [${HOST}]
  http:
  - match: [{uri: {prefix: /v2}}]
    route: [{destination: {host: ${HOST}, subset: ${v2Subset}}}]
  - route: [{destination: {host: ${HOST}${rest}}}]
`;
}

export async function memoryStore(yaml = BASE_CONFIG): Promise<ConfigStore> {
  const store = await openStore({ backend: 'memory' });
  await apply(store, yaml);
  return store;
}

export const apply = (store: ConfigStore, yaml: string): Promise<void> => applyYaml(store, yaml);

export function startManager(store: ConfigStore, port = 0, generators?: ReadonlyMap<TypeUrl, Generator<PushContext>>): Promise<Manager> {
  return Manager.start({ store, xdsPort: port, debounceMs: 10, generators, log: () => {} });
}

export function newClient(port: number, extra: Partial<XdsClientOptions> = {}): XdsClient {
  const client = new XdsClient({
    server: `127.0.0.1:${port}`,
    node: { id: NODE_ID, metadata: { NAMESPACE: 'default', LABELS: { app: 'client' } } },
    backoff: { initialMs: 20, maxMs: 200, jitter: 0.5 },
    ...extra,
  });
  client.start();
  return client;
}

/** The cluster a GET to `path` on the service is routed to by the snapshot's route config. */
export function routedCluster(s: XdsSnapshot, path: string): string | undefined {
  const route = s.routes.get(String(PORT));
  if (!route) return undefined;
  const action = matchRoute(route.raw, { authority: `${HOST}:${PORT}`, path, method: 'GET' })?.action;
  return action?.kind === 'cluster' ? action.cluster : undefined;
}

/** Waits until the client holds a config `want` accepts, and returns it. */
export function synced(client: XdsClient, want: (s: XdsSnapshot) => boolean): Promise<XdsSnapshot> {
  return eventually('the client holds the expected config', () => {
    const s = client.snapshot();
    return want(s) ? s : undefined;
  });
}

/** The base config in full: subset clusters, their endpoints, and the route config. */
export const complete = (s: XdsSnapshot): boolean =>
  s.clusters.has(cluster('v2')) && s.endpoints.has(cluster()) && s.endpoints.has(cluster('v2')) && s.routes.has(String(PORT)) && routedCluster(s, '/') !== undefined;

/** The test client's per-type sync status as the manager reports it (syncz). */
export function typesOf(manager: Manager): SyncStatus['types'] {
  return manager.syncz().find((c) => c.id === NODE_ID)?.types ?? {};
}
