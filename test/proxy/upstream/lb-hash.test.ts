// RING_HASH and MAGLEV: consistency (same hash → same host, whatever order hosts come in),
// small disruption when a host leaves, weights, and moving off a host on selection retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MaglevBalancer, RingHashBalancer, isPrime, randomHash, type LoadBalancer, type WeightedHost } from '../../../src/proxy/upstream/lb/index.js';
import type { UpstreamHost } from '../../../src/proxy/upstream/host.js';
import { hosts, seeded } from './helpers.js';

type Build = (hs: readonly WeightedHost[]) => LoadBalancer;
const KINDS: [string, Build][] = [
  ['ring hash', (hs) => new RingHashBalancer(hs)],
  // A small prime table keeps the property runs quick; the default is checked separately.
  ['maglev', (hs) => new MaglevBalancer(hs, 5003)],
];
const w1 = (hs: readonly UpstreamHost[]) => hs.map((host) => ({ host, weight: 1 }));
const keys = (seed: number, n: number) => {
  const random = seeded(seed);
  return Array.from({ length: n }, () => randomHash(random));
};
const noRandom = () => assert.fail('a hashed pick must not draw randomness');

for (const [kind, build] of KINDS) {
  test(`${kind}: the same hash always reaches the same host, whatever order the hosts are listed in`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer(), (n, seed) => {
      const pool = hosts(n);
      const a = build(w1(pool));
      const b = build(w1([...pool].reverse()));
      for (const hash of keys(seed, 50)) {
        const picked = a.pick({ hash, random: noRandom });
        assert.ok(picked);
        assert.equal(a.pick({ hash, random: noRandom }), picked);
        assert.equal(b.pick({ hash, random: noRandom }), picked);
      }
    }), { numRuns: 40 });
  });

  test(`${kind}: removing one host moves about that host's share of keys, no more`, () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 12 }), fc.integer(), fc.nat(), (n, seed, which) => {
      const pool = hosts(n);
      const gone = pool[which % n];
      const before = build(w1(pool));
      const after = build(w1(pool.filter((h) => h !== gone)));
      const sample = keys(seed, 2000);
      let moved = 0;
      for (const hash of sample) {
        const was = before.pick({ hash, random: noRandom });
        const now = after.pick({ hash, random: noRandom });
        assert.notEqual(now, gone);
        if (was !== now) moved++;
      }
      // The leaving host held ≈ 1/n of the keys; allow its share twice over plus slack for
      // the ring's re-scaling and Maglev's table churn.
      const bound = 2 / n + 0.08;
      assert.ok(moved / sample.length <= bound, `${moved} of ${sample.length} keys moved with ${n} hosts (bound ${bound.toFixed(2)})`);
    }), { numRuns: 30 });
  });

  test(`${kind}: keys spread over hosts in proportion to weight`, () => {
    const [a, b, c] = hosts(3);
    const lb = build([{ host: a, weight: 1 }, { host: b, weight: 2 }, { host: c, weight: 5 }]);
    const counts = new Map<UpstreamHost, number>();
    const sample = keys(5, 8000);
    for (const hash of sample) {
      const h = lb.pick({ hash, random: noRandom }) as UpstreamHost;
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    for (const [h, share] of [[a, 1 / 8], [b, 2 / 8], [c, 5 / 8]] as const) {
      const got = (counts.get(h) ?? 0) / sample.length;
      assert.ok(Math.abs(got - share) < 0.06, `${h.key}: ${got.toFixed(3)} vs ${share}`);
    }
  });

  test(`${kind}: a selection retry usually lands on another host; no hash means a random one`, () => {
    const pool = hosts(6);
    const lb = build(w1(pool));
    let differs = 0;
    const sample = keys(9, 500);
    for (const hash of sample) if (lb.pick({ hash, random: noRandom }) !== lb.pick({ hash, random: noRandom, attempt: 1 })) differs++;
    assert.ok(differs / sample.length > 0.6, `${differs} of ${sample.length} retries moved`);
    const random = seeded(4);
    const seen = new Set(Array.from({ length: 200 }, () => lb.pick({ random })));
    assert.ok(seen.size >= 5, `random picks reached ${seen.size} hosts`);
    assert.equal(build([]).pick({ random }), undefined);
  });
}

test('ring hash: ring size follows minimum_ring_size, the lightest host\'s whole share and the maximum', () => {
  assert.equal(new RingHashBalancer(w1(hosts(3))).size, 1026, '3 × ceil(1024/3)');
  assert.equal(new RingHashBalancer(w1(hosts(4)), { minimumRingSize: 64 }).size, 64);
  const [a, b] = hosts(2);
  assert.equal(new RingHashBalancer([{ host: a, weight: 1 }, { host: b, weight: 99 }], { minimumRingSize: 10, maximumRingSize: 50 }).size, 50, 'the 1% host needs 100 entries; capped at 50');
  assert.throws(() => new RingHashBalancer(w1(hosts(1)), { minimumRingSize: 10, maximumRingSize: 5 }), /exceeds/);
  const ring = new RingHashBalancer(w1(hosts(5)));
  for (let i = 1; i < ring.size; i++) assert.ok(ring.hashes[i - 1] <= ring.hashes[i]);
});

test('maglev: the default 65537-slot table is full and shared by weight; sizes must be prime', () => {
  const [a, b] = hosts(2);
  const lb = new MaglevBalancer([{ host: a, weight: 1 }, { host: b, weight: 3 }]);
  assert.equal(lb.tableSize, 65537);
  const counts = [0, 0];
  for (const slot of lb.table) counts[slot]++;
  assert.equal(counts[0] + counts[1], 65537);
  const shareOfB = counts[lb.hosts.indexOf(b)] / 65537;
  assert.ok(Math.abs(shareOfB - 0.75) < 0.01, `b holds ${shareOfB}`);
  assert.throws(() => new MaglevBalancer([], 65536), /not a prime/);
  assert.deepEqual([2, 3, 5003, 65537, 1, 4, 65535].map(isPrime), [true, true, true, true, false, false, false]);
});
