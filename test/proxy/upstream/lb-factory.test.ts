// createLoadBalancer: the policy and its settings from the CDS cluster, priorities and panic
// from the host set, locality weights, and the configs Envoy would reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoadBalancer, hostSetOptions, poolFactory, PrioritizedBalancer, UnsupportedLbError, type BalancedCluster } from '../../../src/proxy/upstream/lb/index.js';
import { xxhash64 } from '../../../src/proxy/upstream/lb/xxhash64.js';
import { hosts, seeded, tally } from './helpers.js';

const cluster = (lbPolicy: BalancedCluster['lbPolicy'], raw: Record<string, unknown> = {}): BalancedCluster => ({ name: 'c', lbPolicy, raw });

test('each policy builds its balancer and picks from healthy hosts only', () => {
  const pool = hosts(4);
  pool[3].health = 'UNHEALTHY';
  for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'] as const) {
    const lb = createLoadBalancer(cluster(policy), pool);
    const random = seeded(2);
    const counts = tally(Array.from({ length: 300 }, (_, i) => lb.pick({ random, hash: policy.endsWith('HASH') || policy === 'MAGLEV' ? xxhash64(`k${i}`) : undefined })));
    assert.equal(counts.has(pool[3].key), false, policy);
    assert.equal(counts.size, 3, `${policy} reached ${[...counts.keys()].join(', ')}`);
  }
});

test('round robin through the factory cycles evenly', () => {
  const pool = hosts(3);
  const lb = createLoadBalancer(cluster('ROUND_ROBIN'), pool);
  const random = seeded(1);
  const counts = tally(Array.from({ length: 30 }, () => lb.pick({ random })));
  assert.deepEqual([...counts.values()], [10, 10, 10]);
});

test('priority spillover: a half-failed priority 0 keeps 70% and the rest goes to priority 1', () => {
  const p0 = hosts(4, { priority: 0 });
  const p1 = hosts(2, { priority: 1 }, 10);
  p0[0].outlier.ejected = true;
  p0[1].health = 'DRAINING';
  const lb = createLoadBalancer(cluster('ROUND_ROBIN'), [...p0, ...p1]);
  const random = seeded(3);
  const picks = Array.from({ length: 10_000 }, () => lb.pick({ random }));
  const toP1 = picks.filter((h) => h?.priority === 1).length / picks.length;
  assert.ok(Math.abs(toP1 - 0.3) < 0.03, `priority 1 got ${toP1}`);
  assert.ok(picks.every((h) => h !== p0[0] && h !== p0[1]));
});

test('hash balancers choose the priority from the hash too, so a key stays put', () => {
  const p0 = hosts(4, { priority: 0 });
  const p1 = hosts(4, { priority: 1 }, 10);
  p0[0].health = 'UNHEALTHY';
  p0[1].health = 'UNHEALTHY';
  const lb = createLoadBalancer(cluster('RING_HASH'), [...p0, ...p1]);
  const noRandom = () => assert.fail('no randomness with a hash');
  for (let i = 0; i < 200; i++) {
    const hash = xxhash64(`user-${i}`);
    const first = lb.pick({ hash, random: noRandom });
    assert.equal(first?.priority, Number(hash % 100n) < 70 ? 0 : 1);
    assert.equal(lb.pick({ hash, random: noRandom }), first);
  }
});

test('panic: when most hosts are down the balancer uses them all, unless the threshold is 0', () => {
  const pool = hosts(4, { health: 'UNHEALTHY' });
  pool[0].health = 'HEALTHY';
  const random = seeded(5);
  const panicking = createLoadBalancer(cluster('ROUND_ROBIN'), pool);
  assert.equal(tally(Array.from({ length: 40 }, () => panicking.pick({ random }))).size, 4);
  const strict = createLoadBalancer(cluster('ROUND_ROBIN', { common_lb_config: { healthy_panic_threshold: { value: 0 } } }), pool);
  assert.deepEqual([...tally(Array.from({ length: 40 }, () => strict.pick({ random }))).keys()], [pool[0].key]);
  const none = createLoadBalancer(cluster('ROUND_ROBIN', { common_lb_config: { healthy_panic_threshold: { value: 0 } } }), hosts(2, { health: 'UNHEALTHY' }));
  assert.equal(none.pick({ random }), undefined);
});

test('locality-weighted balancing splits traffic by locality weight, for plain and hash balancers', () => {
  const a = hosts(1, { locality: { zone: 'a' }, localityWeight: 3 });
  const b = hosts(3, { locality: { zone: 'b' }, localityWeight: 1 }, 10);
  const raw = { common_lb_config: { locality_weighted_lb_config: {} } };
  assert.deepEqual(hostSetOptions(raw), { localityWeighted: true });
  for (const policy of ['ROUND_ROBIN', 'RING_HASH'] as const) {
    const lb = createLoadBalancer(cluster(policy, raw), [...a, ...b]);
    const random = seeded(8);
    const picks = Array.from({ length: 8000 }, (_, i) => lb.pick({ random, hash: policy === 'RING_HASH' ? xxhash64(`k${i}`) : undefined }));
    const toA = picks.filter((h) => h === a[0]).length / picks.length;
    assert.ok(Math.abs(toA - 0.75) < 0.05, `${policy}: zone a got ${toA}`);
  }
  // Without the config, hosts are equal: zone a's single host gets a quarter.
  const plain = createLoadBalancer(cluster('ROUND_ROBIN'), [...a, ...b]);
  const random = seeded(9);
  assert.equal(tally(Array.from({ length: 40 }, () => plain.pick({ random }))).get(a[0].key), 10);
});

test('policy settings are read, and configs Envoy rejects are refused', () => {
  const lr = createLoadBalancer(cluster('LEAST_REQUEST', { least_request_lb_config: { choice_count: { value: 4 } } }), hosts(4));
  assert.ok(lr instanceof PrioritizedBalancer);
  assert.throws(() => poolFactory(cluster('LEAST_REQUEST', { least_request_lb_config: { choice_count: { value: 1 } } })), UnsupportedLbError);
  const ring = poolFactory(cluster('RING_HASH', { ring_hash_lb_config: { minimum_ring_size: { value: '16' }, maximum_ring_size: { value: '32' } } }));
  assert.equal(ring.hashBased, true);
  assert.ok(ring.factory(hosts(2).map((host) => ({ host, weight: 1 }))).pick({ random: seeded(1) }));
  assert.throws(() => poolFactory(cluster('RING_HASH', { ring_hash_lb_config: { minimum_ring_size: { value: '64' }, maximum_ring_size: { value: '32' } } })), /exceeds/);
  assert.throws(() => poolFactory(cluster('RING_HASH', { ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } })), /MURMUR_HASH_2 is not supported/);
  assert.throws(() => poolFactory(cluster('MAGLEV', { maglev_lb_config: { table_size: { value: '1000' } } })), /not a prime/);
  assert.equal(poolFactory(cluster('MAGLEV', { maglev_lb_config: { table_size: { value: '251' } } })).hashBased, true);
  assert.throws(() => createLoadBalancer(cluster('CLUSTER_PROVIDED'), hosts(1)), /CLUSTER_PROVIDED has no load balancer/);
});
