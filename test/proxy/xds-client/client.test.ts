// The xDS client against a real manager, in both protocol variants: it syncs every type as Envoy
// would, follows config changes and removals, NACKs what it cannot serve while keeping the last
// good config, and reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENERATORS } from '../../../src/control/translate/index.js';
import type { PushContext } from '../../../src/control/model/index.js';
import { TYPE_URL, type Generator, type TypeUrl } from '../../../src/control/xds/index.js';
import { XDS_MODES } from '../../../src/proxy/xds-client/index.js';
import { eventually } from '../../helpers/eventually.js';
import { apply, cluster, complete, destinationRule, memoryStore, newClient, NODE_ID, routedCluster, startManager, synced, typesOf, virtualService } from './mesh.js';

for (const mode of XDS_MODES) {
  test(`${mode}: syncs clusters, endpoints, listeners and routes, and follows a change`, async (t) => {
    const store = await memoryStore();
    const manager = await startManager(store);
    const updates: unknown[] = [];
    const client = newClient(manager.xdsPort, { mode, onUpdate: (s) => updates.push(s) });
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
    assert.ok([...s.listeners.values()].some((l) => l.routeNames.includes('8080')), 'a listener names the route config');
    assert.equal(routedCluster(s, '/v2/items'), cluster('v2'));
    assert.equal(routedCluster(s, '/'), cluster());
    assert.ok(updates.length > 0 && updates.at(-1) === client.snapshot(), 'onUpdate hands out the current snapshot');
    for (const version of Object.values(s.versions)) assert.notEqual(version, '');

    await eventually('the manager sees every type acked', () => {
      const types = Object.values(typesOf(manager));
      return types.length === 4 && types.every((t) => t.acked !== null && t.acked === t.sent && t.lastNack === null) ? true : undefined;
    });
    assert.equal(manager.syncz().find((c) => c.id === NODE_ID)?.variant, mode);

    await apply(store, virtualService('v1', 'v2'));
    const changed = await synced(client, (c) => routedCluster(c, '/') === cluster('v2'));
    assert.equal(routedCluster(changed, '/v2/items'), cluster('v1'));
    assert.notEqual(changed.versions.routes, s.versions.routes);
  });

  test(`${mode}: a subset removed from the config loses its cluster and endpoints, and the EDS subscription follows`, async (t) => {
    const store = await memoryStore();
    const manager = await startManager(store);
    const client = newClient(manager.xdsPort, { mode });
    t.after(async () => {
      client.close();
      await manager.close();
      await store.close();
    });
    const before = await synced(client, complete);
    assert.ok(before.endpoints.has(cluster('v2')));

    await apply(store, `${destinationRule('v1')}---\n${virtualService('v1')}`);
    const after = await synced(client, (s) => !s.clusters.has(cluster('v2')) && routedCluster(s, '/v2') === cluster('v1'));
    assert.equal(after.endpoints.has(cluster('v2')), false, 'the endpoints of the removed cluster are dropped');
    assert.ok(after.clusters.has(cluster('v1')) && after.endpoints.has(cluster('v1')));
    await eventually('the manager sees the EDS subscription without the removed cluster', () => {
      const eds = typesOf(manager)[TYPE_URL.ENDPOINT];
      return Array.isArray(eds?.subscribed) && eds.subscribed.includes(cluster('v1')) && !eds.subscribed.includes(cluster('v2')) ? true : undefined;
    });
  });

  test(`${mode}: a response with one bad cluster is NACKed with its reason and the last good clusters stay`, async (t) => {
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
    const client = newClient(manager.xdsPort, { mode, log: (line) => logs.push(line) });
    t.after(async () => {
      client.close();
      await manager.close();
      await store.close();
    });

    const good = await synced(client, complete);
    const clusterState = () => typesOf(manager)[TYPE_URL.CLUSTER];
    await eventually('clusters acked', () => (clusterState()?.acked === good.versions.clusters ? true : undefined));

    poison = true;
    // A third subset makes the manager push clusters again; the client must not take any of them.
    await apply(store, destinationRule('v1', 'v2', 'v3'));
    const nack = await eventually('a NACK in syncz', () => clusterState()?.lastNack ?? undefined);
    assert.match(nack.message, new RegExp(`Cluster "${cluster().replace(/\|/g, '\\|')}": lb_policy: LOAD_BALANCING_POLICY_CONFIG is not supported`));
    assert.equal(clusterState()?.acked, good.versions.clusters, 'the acked version stays the last good one');
    const held = client.snapshot();
    assert.equal(held.clusters, good.clusters, 'the client keeps its previous clusters, all of them');
    assert.equal(held.clusters.has(cluster('v3')), false);
    assert.equal(held.versions.clusters, good.versions.clusters);
    assert.ok(logs.some((l) => l.includes('rejected Cluster')));

    // Once the control plane serves good clusters again (a cluster change makes it push them),
    // the client takes them — v3 too, though it has not changed since the rejected response.
    poison = false;
    await apply(store, `${destinationRule('v1', 'v2', 'v3', 'v4')}---\n${virtualService('v3')}`);
    const recovered = await synced(client, (s) =>
      s.clusters.has(cluster('v3')) && s.clusters.has(cluster('v4')) && s.endpoints.has(cluster('v3')) && routedCluster(s, '/v2') === cluster('v3'));
    assert.notEqual(recovered.versions.clusters, good.versions.clusters);
    await eventually('clusters acked again', () => (clusterState()?.acked === recovered.versions.clusters ? true : undefined));
    if (mode === 'delta') assert.ok(logs.some((l) => l.includes('asking again for 1 Cluster')), logs.join('\n'));
  });

  test(`${mode}: keeps serving while the control plane is down, then reconnects and resyncs`, async (t) => {
    const store = await memoryStore();
    let manager = await startManager(store);
    const port = manager.xdsPort;
    const logs: string[] = [];
    const client = newClient(port, { mode, log: (line) => logs.push(line) });
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
      const types = Object.values(typesOf(manager));
      return types.length === 4 && types.every((t) => t.acked !== null && t.acked === t.sent) ? true : undefined;
    });
  });
}

test('delta: a reconnecting client names what it holds, so the restarted manager sends only changes and removals', async (t) => {
  const store = await memoryStore();
  let manager = await startManager(store);
  const port = manager.xdsPort;
  const logs: string[] = [];
  const client = newClient(port, { mode: 'delta', log: (line) => logs.push(line) });
  t.after(async () => {
    client.close();
    await manager.close();
    await store.close();
  });
  const before = await synced(client, complete);
  await manager.close();
  await eventually('the client saw the stream end', () => (logs.some((l) => l.includes('ended')) ? true : undefined));

  // While the manager is away the v2 subset goes. A new manager knows nothing of this client:
  // only initial_resource_versions can tell it the client still holds v2's cluster.
  await apply(store, `${destinationRule('v1')}---\n${virtualService('v1')}`);
  manager = await startManager(store, port);
  const after = await synced(client, (s) => !s.clusters.has(cluster('v2')) && routedCluster(s, '/v2') === cluster('v1'));
  assert.equal(after.endpoints.has(cluster('v2')), false);
  assert.notEqual(after.versions.clusters, before.versions.clusters, 'the removal came in a new response');
  // What did not change was not sent again: the client still holds the very objects it decoded before.
  assert.equal(after.clusters.get(cluster('v1')), before.clusters.get(cluster('v1')));
  assert.equal(after.clusters.get(cluster()), before.clusters.get(cluster()));
  assert.equal(after.endpoints.get(cluster('v1')), before.endpoints.get(cluster('v1')));
  for (const [name, listener] of before.listeners) assert.equal(after.listeners.get(name), listener, `listener ${name} was not sent again`);
  await eventually('the new manager sees the client acked every type', () => {
    const types = Object.values(typesOf(manager));
    return types.length === 4 && types.every((t) => t.acked !== null && t.acked === t.sent) ? true : undefined;
  });
});

test('an unknown xDS mode is refused up front', () => {
  assert.throws(() => newClient(1, { mode: 'incremental' as never }), /xDS mode must be one of sotw, delta, not "incremental"/);
});
