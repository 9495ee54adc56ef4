// ROUND_ROBIN, RANDOM and LEAST_REQUEST over one pool of hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeastRequestBalancer, RandomBalancer, RoundRobinBalancer } from '../../../src/proxy/upstream/lb/index.js';
import { hosts, seeded, tally } from './helpers.js';

const weighted = (ws: readonly number[]) => hosts(ws.length).map((host, i) => ({ host, weight: ws[i] }));

test('round robin: every window of Σweight picks gives each host exactly its weight', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }), fc.integer(), fc.integer({ min: 0, max: 20 }), (ws, seed, skip) => {
    const lb = new RoundRobinBalancer(weighted(ws));
    const random = seeded(seed);
    for (let i = 0; i < skip; i++) lb.pick({ random });
    const total = ws.reduce((a, b) => a + b, 0);
    const counts = tally(Array.from({ length: total * 3 }, () => lb.pick({ random })));
    weighted(ws).forEach(({ host, weight }) => assert.equal(counts.get(host.key), weight * 3));
  }), { numRuns: 200 });
});

test('round robin interleaves a heavy host instead of sending it a burst', () => {
  const lb = new RoundRobinBalancer(weighted([5, 1, 1]));
  const random = seeded(1);
  const seq = Array.from({ length: 14 }, () => lb.pick({ random })?.key);
  let run = 0;
  let longest = 0;
  for (let i = 0; i < seq.length; i++) longest = Math.max(longest, (run = i > 0 && seq[i] === seq[i - 1] ? run + 1 : 1));
  // The weight-5 host's picks are spread over the cycle (a a b a c a a): never 5 in a row,
  // let alone the 10 a cycle-by-cycle burst would give across two cycles.
  assert.ok(longest <= 4, `longest run ${longest} in ${seq.join(' ')}`);
});

test('round robin starts at a random host, so proxies do not all hit the same first one', () => {
  const firsts = new Set(Array.from({ length: 40 }, (_, i) => new RoundRobinBalancer(weighted([1, 1, 1, 1])).pick({ random: seeded(i) })?.key));
  assert.ok(firsts.size >= 3, `first picks ${[...firsts].join(', ')}`);
});

test('empty pools and zero weights pick nothing', () => {
  const random = seeded(1);
  for (const lb of [new RoundRobinBalancer([]), new RandomBalancer([]), new LeastRequestBalancer([])]) assert.equal(lb.pick({ random }), undefined);
  assert.equal(new RoundRobinBalancer(weighted([0])).pick({ random }), undefined);
});

test('random: uniform over hosts, ignoring weights as Envoy does', () => {
  const lb = new RandomBalancer(weighted([1, 10, 1, 1]));
  const random = seeded(7);
  const counts = tally(Array.from({ length: 8000 }, () => lb.pick({ random })));
  for (const n of counts.values()) assert.ok(n > 1700 && n < 2300, `count ${n}`);
});

test('least request (power of two choices) avoids the most loaded host', () => {
  fc.assert(fc.property(fc.integer({ min: 3, max: 8 }), fc.integer(), (n, seed) => {
    const pool = weighted(Array(n).fill(1));
    pool.forEach(({ host }, i) => (host.active = i));
    const busiest = pool[n - 1].host;
    const idle = pool[0].host;
    const lb = new LeastRequestBalancer(pool);
    const random = seeded(seed);
    const counts = tally(Array.from({ length: 2000 }, () => lb.pick({ random })));
    // The busiest wins only when both draws are it: 1/n² of picks; the idlest whenever drawn.
    assert.ok((counts.get(busiest.key) ?? 0) <= 2000 * (2 / (n * n)) + 30, `busiest got ${counts.get(busiest.key)}`);
    assert.ok((counts.get(idle.key) ?? 0) >= 2000 * (1 / n) * 1.3, `idle got ${counts.get(idle.key)}`);
  }), { numRuns: 50 });
});

test('least request with as many choices as hosts always takes the least loaded', () => {
  const pool = weighted([1, 1, 1]);
  pool[0].host.active = 4;
  pool[1].host.active = 1;
  pool[2].host.active = 2;
  const lb = new LeastRequestBalancer(pool, { choiceCount: 3 });
  const random = seeded(3);
  for (let i = 0; i < 20; i++) assert.equal(lb.pick({ random }), pool[1].host);
});

test('weighted least request: shares follow weight / (active + 1)^bias', () => {
  const pool = weighted([1, 3]);
  const lb = new LeastRequestBalancer(pool);
  const random = seeded(11);
  let counts = tally(Array.from({ length: 8000 }, () => lb.pick({ random })));
  const share = () => (counts.get(pool[1].host.key) ?? 0) / 8000;
  assert.ok(Math.abs(share() - 0.75) < 0.03, `idle heavy share ${share()}`);
  pool[1].host.active = 5; // 3/6 = 0.5 against 1/1
  counts = tally(Array.from({ length: 8000 }, () => lb.pick({ random })));
  assert.ok(Math.abs(share() - 1 / 3) < 0.03, `loaded heavy share ${share()}`);
  const unbiased = new LeastRequestBalancer(pool, { activeRequestBias: 0 });
  counts = tally(Array.from({ length: 8000 }, () => unbiased.pick({ random })));
  assert.ok(Math.abs(share() - 0.75) < 0.03, `bias 0 share ${share()}`);
});
