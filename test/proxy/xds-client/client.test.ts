// The xDS client against a real manager: it syncs every type as Envoy would, follows config
// changes, NACKs what it cannot serve while keeping the last good config, and reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENERATORS } from '../../../src/control/translate/index.js';
import type { PushContext } from '../../../src/control/model/index.js';
import { TYPE_URL, type Generator, type TypeUrl } from '../../../src/control/xds/index.js';
import { matchRoute } from '../../../src/proxy/router/route-match.js';
import type { XdsClient, XdsSnapshot } from '../../../src/proxy/xds-client/index.js';
import { eventually } from '../../helpers/eventually.js';
import { apply, cluster, HOST, memoryStore, newClient, NODE_ID, PORT, startManager, virtualService } from './mesh.js';

/** The cluster a GET to `path` on the service is routed to by the snapshot's route config. */
function routedCluster(s: XdsSnapshot, path: string): string | undefined {
  const route = s.routes.get(String(PORT));
  if (!route) return undefined;
  const action = matchRoute(route.raw, { authority: `${HOST}:${PORT}`, path, method: 'GET' })?.action;
  return action?.kind === 'cluster' ? action.cluster : undefined;
}

function synced(client: XdsClient, want: (s: XdsSnapshot) => boolean): Promise<XdsSnapshot> {
  return eventually('the client holds the expected config', () => {
    const s = client.snapshot();
    return want(s) ? s : undefined;
  });
}

const complete = (s: XdsSnapshot) => s.clusters.has(cluster('v2')) && s.endpoints.has(cluster()) && s.routes.has(String(PORT)) && routedCluster(s, '/') !== undefined;

test('syncs clusters, endpoints, listeners and routes, and follows a change', async (t) => {
  const store = await memoryStore();
  const manager = await startManager(store);
  const updates: XdsSnapshot[] = [];
  const client = newClient(manager.xdsPort, { onUpdate: (s) => updates.push(s) });
  t.after(async () => {
    client.close();
    await manager.close();
    await store.close();
  });

  const s = await synced(client, complete);
  assert.ok(s.clusters.has(cluster('v1')));
  assert.equal(s.clusters.get(cluster())?.discovery, 'EDS');
  assert.deepEqual(s.endpoints.get(cluster())?.endpoints.map((e) => e.host).sort(), ['127.0.0.1', '127.0.0.2']);
  assert.deepEqual(s.endpoints.get(cluster('v2'))?.endpoints.map((e) => e.host), ['127.0.0.2']);
  assert.ok([...s.listeners.values()].some((l) => l.routeNames.includes(String(PORT))), 'a listener names the route config');
  assert.equal(routedCluster(s, '/v2/items'), cluster('v2'));
  assert.equal(routedCluster(s, '/'), cluster());
  assert.ok(updates.length > 0 && updates.at(-1) === client.snapshot(), 'onUpdate hands out the current snapshot');
  for (const version of Object.values(s.versions)) assert.notEqual(version, '');

  await eventually('the manager sees every type acked', () => {
    const types = Object.values(manager.syncz().find((c) => c.id === NODE_ID)?.types ?? {});
    return types.length === 4 && types.every((t) => t.acked !== null && t.acked === t.sent && t.lastNack === null) ? true : undefined;
  });

  await apply(store, virtualService('v1', 'v2'));
  const changed = await synced(client, (c) => routedCluster(c, '/') === cluster('v2'));
  assert.equal(routedCluster(changed, '/v2/items'), cluster('v1'));
  assert.notEqual(changed.versions.routes, s.versions.routes);
});

test('a response with one bad cluster is NACKed with its reason and the last good clusters stay', async (t) => {
  let poison = false;
  // The real clusters, except that while poisoned the service's own cluster asks for an LB
  // policy configured by extension, which the proxy does not implement.
  const poisoned: Generator<PushContext> = {
    generate(proxy, push, names) {
      const real = (GENERATORS.get(TYPE_URL.CLUSTER) as Generator<PushContext>).generate(proxy, push, names);
      if (!poison) return real;
      return real.map((r) => (r.name === cluster() ? { ...r, value: { ...r.value, lb_policy: 'LOAD_BALANCING_POLICY_CONFIG' } } : r));
    },
  };
  const generators = new Map<TypeUrl, Generator<PushContext>>(GENERATORS as ReadonlyMap<TypeUrl, Generator<PushContext>>);
  generators.set(TYPE_URL.CLUSTER, poisoned);
  const store = await memoryStore();
  const manager = await startManager(store, 0, generators);
  const logs: string[] = [];
  const client = newClient(manager.xdsPort, { log: (line) => logs.push(line) });
  t.after(async () => {
    client.close();
    await manager.close();
    await store.close();
  });

  const good = await synced(client, complete);
  const clusterState = () => manager.syncz().find((c) => c.id === NODE_ID)?.types[TYPE_URL.CLUSTER];
  await eventually('clusters acked', () => (clusterState()?.acked === good.versions.clusters ? true : undefined));

  poison = true;
  // A third subset makes the manager push clusters again; the client must not take any of them.
  await apply(store, `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: ${HOST}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
`);
  const nack = await eventually('a NACK in syncz', () => clusterState()?.lastNack ?? undefined);
  assert.match(nack.message, new RegExp(`Cluster "${cluster().replace(/\|/g, '\\|')}": lb_policy: LOAD_BALANCING_POLICY_CONFIG is not supported`));
  assert.equal(clusterState()?.acked, good.versions.clusters, 'the acked version stays the last good one');
  const held = client.snapshot();
  assert.equal(held.clusters, good.clusters, 'the client keeps its previous clusters, all of them');
  assert.equal(held.clusters.has(cluster('v3')), false);
  assert.equal(held.versions.clusters, good.versions.clusters);
  assert.ok(logs.some((l) => l.includes('rejected Cluster')));

  // Once the control plane serves good clusters again, the client takes them.
  poison = false;
  await apply(store, virtualService('v3'));
  const recovered = await synced(client, (s) => s.clusters.has(cluster('v3')) && routedCluster(s, '/v2') === cluster('v3'));
  assert.notEqual(recovered.versions.clusters, good.versions.clusters);
  await eventually('clusters acked again', () => (clusterState()?.acked === recovered.versions.clusters ? true : undefined));
});

test('keeps serving while the control plane is down, then reconnects and resyncs', async (t) => {
  const store = await memoryStore();
  let manager = await startManager(store);
  const port = manager.xdsPort;
  const logs: string[] = [];
  const client = newClient(port, { log: (line) => logs.push(line) });
  t.after(async () => {
    client.close();
    await manager.close();
    await store.close();
  });
  const before = await synced(client, complete);

  await manager.close();
  await eventually('the client saw the stream end', () => (logs.some((l) => l.includes('ended')) ? true : undefined));
  assert.equal(client.snapshot(), before, 'the last good config is still served');

  // The config moves while the control plane is away; a restarted one must bring the client up to date.
  await apply(store, virtualService('v1', 'v1'));
  manager = await startManager(store, port);
  const after = await synced(client, (s) => routedCluster(s, '/') === cluster('v1') && routedCluster(s, '/v2') === cluster('v1'));
  assert.ok(after.clusters.has(cluster('v2')) && after.endpoints.has(cluster('v2')), 'it still holds what it subscribed to');
  await eventually('the new manager sees the client acked every type', () => {
    const types = Object.values(manager.syncz().find((c) => c.id === NODE_ID)?.types ?? {});
    return types.length === 4 && types.every((t) => t.acked !== null && t.acked === t.sent) ? true : undefined;
  });
});
