// A resource our translator never produces, hand-built and served in place of a real one: the
// grpc-js-xds client must NACK it, syncz must show why, and the client must keep its last config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { GENERATORS } from '../../../src/control/translate/index.js';
import { TYPE_URL, type Generator, type TypeUrl } from '../../../src/control/xds/index.js';
import type { PushContext } from '../../../src/control/model/index.js';
import { eventually } from '../../helpers/eventually.js';
import { newClient, served, startMesh, type Mesh } from './harness.js';

let poison = false;

/** Serves real clusters, except that while `poison` is set each gets a ring size no client allows. */
const poisoned: Generator<PushContext> = {
  generate(proxy, push, names) {
    const real = (GENERATORS.get(TYPE_URL.CLUSTER) as Generator<PushContext>).generate(proxy, push, names);
    if (!poison) return real;
    return real.map((r) => ({
      ...r,
      value: { ...r.value, lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 1024 }, maximum_ring_size: { value: 100_000_000 } } },
    }));
  },
};

let mesh: Mesh;
let client: grpc.Client;

before(async () => {
  const generators = new Map<TypeUrl, Generator<PushContext>>(GENERATORS as ReadonlyMap<TypeUrl, Generator<PushContext>>);
  generators.set(TYPE_URL.CLUSTER, poisoned);
  mesh = await startMesh([{ name: 'echo-v1', version: 'v1' }], { generators });
  client = newClient();
});

after(async () => {
  client?.close();
  await mesh?.close();
});

test('a bad cluster is NACKed with its reason; the client keeps serving on the last good one', async () => {
  await eventually('the client is served', async () => ((await served(client))?.backend === 'echo-v1' ? true : undefined));
  const clusterState = () => mesh.manager.syncz()[0]?.types[TYPE_URL.CLUSTER];
  const good = clusterState();
  assert.ok(good?.acked, 'clusters were acked');

  poison = true;
  // Any config change makes the manager push clusters again; this one adds a harmless label.
  await mesh.apply(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: echo.default.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
`, { converge: false });
  const nacked = await eventually('a NACK in syncz', () => clusterState()?.lastNack ?? undefined);
  assert.match(nacked.message, /maximum_ring_size is too large/);
  assert.equal(clusterState()?.acked, good?.acked, 'the acked version stays the last good one');

  const status = await fetchSyncz(mesh);
  assert.match(JSON.stringify(status), /maximum_ring_size is too large/);

  for (let i = 0; i < 20; i++) assert.equal((await served(client))?.backend, 'echo-v1');
  poison = false;
});

/** What `isthmus proxy-status` reads, through the real monitoring endpoint. */
async function fetchSyncz(m: Mesh): Promise<unknown> {
  const { startMonitoring } = await import('../../../src/control/monitoring.js');
  const mon = await startMonitoring(m.manager, m.store, '127.0.0.1', 0);
  try {
    const res = await fetch(`http://127.0.0.1:${mon.port}/debug/syncz`);
    return await res.json();
  } finally {
    mon.server.close();
  }
}
