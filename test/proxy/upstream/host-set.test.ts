// Eligibility and Envoy's priority spillover, panic and locality shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostSet, availability } from '../../../src/proxy/upstream/host-set.js';
import { host, hosts } from './helpers.js';

const loads = (s: HostSet) => s.levels.map((l) => [l.priority, l.healthyLoad, l.degradedLoad, l.panic]);

test('availability follows EDS health and outlier ejection', () => {
  const [a, b, c, d, e, f, g] = (['HEALTHY', 'UNKNOWN', 'DEGRADED', 'DRAINING', 'UNHEALTHY', 'TIMEOUT', 'HEALTHY'] as const).map((health, i) => host(i, { health }));
  g.outlier.ejected = true;
  assert.deepEqual([a, b, c, d, e, f, g].map(availability), ['healthy', 'healthy', 'degraded', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy']);
  const set = new HostSet([a, b, c, d, e, f, g]);
  assert.deepEqual(set.eligible().map((h) => h.key), [a.key, b.key]);
  assert.deepEqual(new HostSet([c, d]).eligible().map((h) => h.key), [c.key], 'degraded only when nothing is healthy');
});

test('a fully healthy priority 0 takes everything; losing hosts spills the rest to priority 1', () => {
  const p0 = hosts(4, { priority: 0 });
  const p1 = hosts(4, { priority: 1 }, 10);
  assert.deepEqual(loads(new HostSet([...p0, ...p1])), [[0, 100, 0, false], [1, 0, 0, false]]);
  // 3 of 4 healthy: 1.4 × 75% = 105% → still 100.
  p0[0].health = 'UNHEALTHY';
  assert.deepEqual(loads(new HostSet([...p0, ...p1])), [[0, 100, 0, false], [1, 0, 0, false]]);
  // 2 of 4: 1.4 × 50% = 70% stays, 30% spills over.
  p0[1].outlier.ejected = true;
  const set = new HostSet([...p0, ...p1]);
  assert.deepEqual(loads(set), [[0, 70, 0, false], [1, 30, 0, false]]);
  assert.equal(set.choose(0)?.key, '0/healthy');
  assert.equal(set.choose(69)?.key, '0/healthy');
  assert.equal(set.choose(70)?.key, '1/healthy');
  assert.deepEqual(set.choose(10)?.hosts.map((h) => h.key), [p0[2].key, p0[3].key]);
});

test('when all levels together are short, loads are scaled up to 100', () => {
  // Each level 1 of 4 healthy: 35% health each → 35/70 → 50/50.
  const p0 = hosts(4, { priority: 0, health: 'UNHEALTHY' });
  const p1 = hosts(4, { priority: 1, health: 'UNHEALTHY' }, 10);
  p0[0].health = 'HEALTHY';
  p1[0].health = 'HEALTHY';
  assert.deepEqual(loads(new HostSet([...p0, ...p1], { panicThresholdPercent: 0 })), [[0, 50, 0, false], [1, 50, 0, false]]);
});

test('degraded hosts get the load healthy ones cannot take', () => {
  const p0 = [...hosts(2, { priority: 0 }), ...hosts(2, { priority: 0, health: 'DEGRADED' }, 2)];
  const set = new HostSet(p0);
  // healthy 70, degraded 70 → normalised total 100: healthy 70, degraded 30.
  assert.deepEqual(loads(set), [[0, 70, 30, false]]);
  assert.equal(set.choose(85)?.source, 'degraded');
  assert.deepEqual(set.choose(85)?.hosts.map((h) => h.health), ['DEGRADED', 'DEGRADED']);
});

test('panic: below the threshold a level balances over all of its hosts', () => {
  const p0 = hosts(4, { priority: 0, health: 'UNHEALTHY' });
  p0[0].health = 'HEALTHY';
  const p1 = hosts(2, { priority: 1 }, 10);
  const set = new HostSet([...p0, ...p1]);
  // p0: 25% usable < 50 → panic; health 35 → 35 of the load, to all four hosts.
  assert.deepEqual(loads(set), [[0, 35, 0, true], [1, 65, 0, false]]);
  assert.equal(set.choose(0)?.source, 'all');
  assert.equal(set.choose(0)?.hosts.length, 4);
  // Panic threshold 0 switches it off.
  assert.equal(new HostSet([...p0, ...p1], { panicThresholdPercent: 0 }).choose(0)?.hosts.length, 1);
});

test('total panic spreads by host count; with panic off and nothing up, nothing is picked', () => {
  const p0 = hosts(1, { priority: 0, health: 'UNHEALTHY' });
  const p1 = hosts(3, { priority: 1, health: 'DRAINING' }, 10);
  assert.deepEqual(loads(new HostSet([...p0, ...p1])), [[0, 25, 0, true], [1, 75, 0, true]]);
  const off = new HostSet([...p0, ...p1], { panicThresholdPercent: 0 });
  assert.deepEqual(off.choose(50)?.hosts ?? [], []);
  assert.equal(new HostSet([]).choose(0), undefined);
});

test('locality shares: configured weight × overprovisioned availability, only when enabled', () => {
  const a = hosts(2, { locality: { zone: 'a' }, localityWeight: 3 });
  const b = hosts(4, { locality: { zone: 'b' }, localityWeight: 1 }, 10);
  b[0].health = 'UNHEALTHY';
  b[1].health = 'UNHEALTHY';
  const set = new HostSet([...a, ...b], { localityWeighted: true });
  const pool = set.choose(0);
  assert.ok(pool);
  const shares = set.localities(pool)?.map((l) => [l.key, l.weight, Number(l.effectiveWeight.toFixed(3)), l.hosts.length]);
  assert.deepEqual(shares, [['/a/', 3, 3, 2], ['/b/', 1, 0.7, 2]]);
  assert.equal(new HostSet([...a, ...b]).localities(pool), undefined);
  const unweighted = hosts(2, { locality: { zone: 'c' } });
  const s2 = new HostSet(unweighted, { localityWeighted: true });
  assert.equal(s2.localities(s2.choose(0) ?? assert.fail()), undefined, 'no weights → plain balancing');
});
