// UpstreamHost from EDS facts, and hosts surviving EDS updates with their live state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamHost, reconcileHosts } from '../../../src/proxy/upstream/host.js';

const ep = (host: string, port: number, extra: Partial<ConstructorParameters<typeof UpstreamHost>[0]> = {}) =>
  ({ host, port, weight: 1, health: 'HEALTHY' as const, priority: 0, locality: { region: 'r', zone: 'z' }, ...extra });

test('a host carries its endpoint facts, key and Envoy-style address', () => {
  const h = UpstreamHost.fromEndpoint(ep('10.1.2.3', 80, { weight: 3, priority: 1, health: 'DEGRADED', localityWeight: 7 }));
  assert.deepEqual([h.key, h.address, h.weight, h.priority, h.health, h.localityKey, h.localityWeight], ['10.1.2.3:80', '10.1.2.3:80', 3, 1, 'DEGRADED', 'r/z/', 7]);
  assert.deepEqual(h.outlier, { ejected: false, timesEjected: 0 });
  const v6 = UpstreamHost.fromEndpoint(ep('fd00::1', 443));
  assert.deepEqual([v6.key, v6.address], ['fd00::1:443', '[fd00::1]:443']);
});

test('requests in flight are counted, and ending one twice counts once', () => {
  const h = UpstreamHost.fromEndpoint(ep('10.0.0.1', 80));
  const a = h.beginRequest();
  const b = h.beginRequest();
  assert.equal(h.active, 2);
  a();
  a();
  assert.equal(h.active, 1);
  b();
  assert.equal(h.active, 0);
});

test('an EDS update keeps the same host object (in-flight count, ejection) and updates its facts', () => {
  const [a, b] = reconcileHosts([], [ep('10.0.0.1', 80), ep('10.0.0.2', 80)]);
  a.beginRequest();
  a.outlier.ejected = true;
  const next = reconcileHosts([a, b], [ep('10.0.0.1', 80, { weight: 5, health: 'DRAINING' }), ep('10.0.0.3', 80), ep('10.0.0.1', 80, { weight: 9 })]);
  assert.equal(next.length, 2, 'the duplicate address keeps its first endpoint');
  assert.equal(next[0], a);
  assert.deepEqual([a.active, a.outlier.ejected, a.weight, a.health], [1, true, 5, 'DRAINING']);
  assert.notEqual(next[1], b);
  assert.equal(next[1].key, '10.0.0.3:80');
});
