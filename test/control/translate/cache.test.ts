import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedGenerators } from '../../../src/control/translate/cache.js';
import { GENERATORS } from '../../../src/control/translate/index.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { generate } from '../../../src/control/translate/generators.js';
import { buildPushContext } from '../../../src/control/model/push-context.js';
import { resolveMeshConfig } from '../../../src/api/mesh/resolve.js';
import { buildRegistrySnapshot } from '../../../src/registry/snapshot.js';
import { proxy, resources, service, world } from '../model/world.js';

test('proxies that look alike share one generated result per PushContext', () => {
  const push = world(service('reviews', 'default', 9080, ['v1', 'v2']));
  const cds = cachedGenerators(GENERATORS).get(TYPE_URL.CLUSTER)!;
  const a = cds.generate(proxy('sidecar', 'default', { app: 'x' }, { id: 'sidecar~10.0.0.1~a.default~default.svc.cluster.local' }), push, undefined);
  const b = cds.generate(proxy('sidecar', 'default', { app: 'x' }, { id: 'sidecar~10.0.0.2~b.default~default.svc.cluster.local' }), push, undefined);
  assert.ok(a.length > 0);
  assert.equal(a, b, 'the same array object, so it is encoded once');
  assert.deepEqual(a, GENERATORS.get(TYPE_URL.CLUSTER)!.generate(proxy('sidecar', 'default', { app: 'x' }), push, undefined));
});

test('what translation reads from a proxy keeps results apart', () => {
  const push = world(service('reviews', 'default', 9080, ['v1']));
  const cds = cachedGenerators(GENERATORS).get(TYPE_URL.CLUSTER)!;
  const base = cds.generate(proxy('sidecar', 'default', { app: 'x' }), push, undefined);
  assert.notEqual(cds.generate(proxy('sidecar', 'other', { app: 'x' }), push, undefined), base, 'namespace');
  assert.notEqual(cds.generate(proxy('sidecar', 'default', { app: 'y' }), push, undefined), base, 'labels');
  assert.notEqual(cds.generate(proxy('proxyless', 'default', { app: 'x' }), push, undefined), base, 'client kind');
  assert.notEqual(cds.generate(proxy('sidecar', 'default', { app: 'x' }, { locality: { region: 'eu' } }), push, undefined), base, 'locality');
  assert.notEqual(cds.generate(proxy('sidecar', 'default', { app: 'x' }), world(service('reviews', 'default', 9080, ['v1'])), undefined), base, 'a new PushContext');
  const registered = { registration: { service: 'x', ports: { http: 8080 }, address: '10.0.0.1' } };
  const r1 = cds.generate(proxy('sidecar', 'default', { app: 'x' }, { id: 'sidecar~10.0.0.1~x1.default~default.svc.cluster.local', ...registered }), push, undefined);
  const r2 = cds.generate(proxy('sidecar', 'default', { app: 'x' }, { id: 'sidecar~10.0.0.2~x2.default~default.svc.cluster.local', ...registered }), push, undefined);
  assert.notEqual(r1, r2, 'a registered workload gets its own inbound clusters');
});

test('after one service\'s endpoints move, the other services\' load assignments are the same objects', () => {
  const mesh = `${service('reviews', 'default', 9080, ['v1', 'v2'])}${service('ratings', 'default', 9080, ['v1'])}`;
  const before = resources(mesh);
  const after = [before[0]!, ...resources(service('ratings', 'default', 9080, ['v1']).replace('10.1.7.1', '10.1.7.9'))];
  const pushOf = (rs: typeof before) => buildPushContext({ resources: rs, registry: buildRegistrySnapshot({ resources: rs }), mesh: resolveMeshConfig() });
  const p = proxy('sidecar', 'default', { app: 'x' });
  const eds = (push: ReturnType<typeof pushOf>) => new Map(generate(TYPE_URL.ENDPOINT, p, push).map((r) => [r.name, r.value]));
  const a = eds(pushOf(before));
  const b = eds(pushOf(after));
  assert.equal(b.get('outbound|9080||reviews.default.svc.cluster.local'), a.get('outbound|9080||reviews.default.svc.cluster.local'), 'reused, so not encoded again');
  const ratings = b.get('outbound|9080||ratings.default.svc.cluster.local');
  assert.notEqual(ratings, a.get('outbound|9080||ratings.default.svc.cluster.local'));
  assert.match(JSON.stringify(ratings), /10\.1\.7\.9/);
});
