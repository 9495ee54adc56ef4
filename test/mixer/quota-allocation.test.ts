// Allocation quotas (a quota with no validDuration): memquota holds what Check granted until a
// Release gives it back, with dedup ids on both sides; the config errors for a rolling window
// without one; and Release through the real gRPC server, resolving dimensions as Check does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { loadText } from '../../src/api/index.js';
import { createMemquota } from '../../src/mixer/adapters/memquota/memquota.js';
import { CODE, MixerRuntime, startMixerServer } from '../../src/mixer/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { docs, mixerClient, releaseQuota, yaml } from './helpers.js';

const env = (now = Date.now) => ({ handler: 'h.default', registry: new Registry(), log: () => undefined, now });
const inst = (name: string, dimensions: Record<string, string> = {}) => ({ name, namespace: 'default', template: 'quota', fields: { dimensions } });

test('memquota: an allocation quota is held until released, never below zero', () => {
  const mq = createMemquota({ quotas: [{ name: 'inflight', maxAmount: 3 }] }, env());
  const alloc = (amount: number, bestEffort = false, dedupId = '') => mq.quota!(inst('inflight'), { amount, bestEffort, dedupId }) as { grantedAmount: number; validDurationMs: number; allocation?: boolean };
  const release = (amount: number, dedupId = '') => (mq.release!(inst('inflight'), { amount, dedupId }) as { releasedAmount: number }).releasedAmount;
  const first = alloc(2);
  assert.deepEqual(first, { grantedAmount: 2, validDurationMs: 0, allocation: true });
  assert.equal(alloc(2).grantedAmount, 0, 'all or nothing');
  assert.equal(alloc(2, true).grantedAmount, 1, 'best effort gets what is left');
  assert.equal(alloc(1, true).grantedAmount, 0);
  assert.equal(release(1), 1);
  assert.equal(alloc(1).grantedAmount, 1, 'a release frees room');
  assert.equal(release(10), 3, 'release gives back at most what is in use');
  assert.equal(release(1), 0, 'never below zero');
  assert.equal(alloc(3).grantedAmount, 3);
});

test('memquota: dedup ids make a retried allocation or release count once', () => {
  let now = 1_000_000;
  const mq = createMemquota({ quotas: [{ name: 'inflight', maxAmount: 4 }], minDeduplicationDuration: '10s' }, env(() => now));
  const alloc = (amount: number, dedupId: string) => (mq.quota!(inst('inflight'), { amount, bestEffort: false, dedupId }) as { grantedAmount: number }).grantedAmount;
  const release = (amount: number, dedupId: string) => (mq.release!(inst('inflight'), { amount, dedupId }) as { releasedAmount: number }).releasedAmount;
  assert.equal(alloc(2, 'check-1'), 2);
  assert.equal(alloc(2, 'check-1'), 2, 'a retry gets the same answer');
  assert.equal(alloc(2, 'check-2'), 2, 'the retry was not charged: 2 are left');
  assert.equal(alloc(1, 'check-3'), 0);
  assert.equal(release(1, 'release-1'), 1);
  assert.equal(release(1, 'release-1'), 1, 'a retried release is answered, not applied');
  assert.equal(alloc(2, 'check-4'), 0, 'only one unit came back');
  assert.equal(alloc(1, 'check-5'), 1);
  // The same id on Check and Release are different operations.
  assert.equal(release(4, 'check-5'), 4);
  now += 11_000;
  assert.equal(release(1, 'release-1'), 0, 'an expired dedup id is a new release (and nothing is in use)');
});

test('memquota: overrides switch between rate and allocation; a rate window is not released', () => {
  const mq = createMemquota({
    quotas: [
      { name: 'mixed', maxAmount: 1, validDuration: '10m', overrides: [{ dimensions: { kind: 'held' }, maxAmount: 1, validDuration: '0s' }] },
      { name: 'held', maxAmount: 1, overrides: [{ dimensions: { kind: 'rate' }, maxAmount: 1, validDuration: '10m' }] },
    ],
  }, env());
  const alloc = (name: string, kind: string) => mq.quota!(inst(name, { kind }), { amount: 1, bestEffort: false, dedupId: '' }) as { grantedAmount: number; allocation?: boolean };
  const release = (name: string, kind: string) => (mq.release!(inst(name, { kind }), { amount: 1, dedupId: '' }) as { releasedAmount: number }).releasedAmount;
  for (const [name, held, rate] of [['mixed', 'held', 'other'], ['held', 'other', 'rate']] as const) {
    assert.equal(alloc(name, rate).allocation, undefined, `${name}/${rate} is a rate quota`);
    assert.equal(release(name, rate), 0, `${name}/${rate}: a window is not given back`);
    assert.equal(alloc(name, rate).grantedAmount, 0);
    assert.deepEqual(alloc(name, held), { grantedAmount: 1, validDurationMs: 0, allocation: true });
    assert.equal(release(name, held), 1);
    assert.equal(alloc(name, held).grantedAmount, 1);
  }
  assert.equal(release('unknown', 'x'), 0, 'no limit for the instance: nothing held');
});

test('a ROLLING_WINDOW quota without a validDuration is an error that says what to set', () => {
  const r = loadText(docs(
    yaml.handler('h', 'memquota', { quotas: [
      { name: 'a', maxAmount: 1, rateLimitAlgorithm: 'ROLLING_WINDOW' },
      { name: 'b', maxAmount: 1, validDuration: '1s', rateLimitAlgorithm: 'ROLLING_WINDOW', overrides: [{ dimensions: { x: 'y' }, maxAmount: 1, validDuration: '0s' }] },
      { name: 'c', maxAmount: 1 },
      { name: 'd', maxAmount: 1, validDuration: '0s', rateLimitAlgorithm: 'FIXED_WINDOW' },
    ] }),
  ), 'policy.yaml');
  const msgs = r.errors.map((e) => `${e.path}: ${e.problem} ${e.hint}`);
  assert.equal(msgs.length, 2, msgs.join('\n'));
  assert.match(msgs[0]!, /^spec\.params\.quotas\[0\]\.validDuration: ROLLING_WINDOW needs a validDuration .*set validDuration .*or remove rateLimitAlgorithm to make an allocation quota/);
  assert.match(msgs[1]!, /^spec\.params\.quotas\[1\]\.overrides\[0\]\.validDuration: validDuration "0s" makes an allocation limit.*give the override a window/);
});

test('Release over gRPC: the Check answer says allocation; Release resolves the same counter', async (t) => {
  const loaded = loadText(docs(
    yaml.handler('inflight', 'memquota', { quotas: [{ name: 'concurrency', maxAmount: 2 }, { name: 'requestcount', maxAmount: 100, validDuration: '10m' }] }),
    yaml.instance('concurrency', 'quota', { dimensions: { destination: 'destination.service.host | "unknown"' } }),
    yaml.instance('requestcount', 'quota', { dimensions: {} }),
    yaml.rule('limit', 'request.path.startsWith("/api")', [{ handler: 'inflight', instances: ['concurrency', 'requestcount'] }]),
  ), 'mixer.yaml');
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
  const store = new MemoryStore();
  for (const r of loaded.resources) await store.apply(r.resource);
  const runtime = new MixerRuntime({ log: () => undefined });
  await runtime.watch(store, 5);
  const server = await startMixerServer(runtime, '127.0.0.1', 0);
  const address = `127.0.0.1:${server.port}`;
  const client = mixerClient(address);
  t.after(async () => {
    client.close();
    await server.close();
    await runtime.close();
    await store.close();
  });
  const bag = { 'destination.service.host': 'reviews', 'request.path': '/api/1' };
  const ask = { concurrency: { amount: 1 }, requestcount: { amount: 1 } };
  const first = await client.check(bag, ask);
  assert.equal(first.quotas.concurrency?.grantedAmount, 1);
  assert.equal(first.quotas.concurrency?.allocation, true);
  assert.equal(first.quotas.concurrency?.validDurationMs, 0, 'nothing to cache: the grant is held, not a window');
  assert.equal(first.quotas.requestcount?.allocation, undefined, 'a rate quota is not an allocation');
  assert.equal((await client.check(bag, ask)).quotas.concurrency?.grantedAmount, 1);
  const third = await client.check(bag, ask);
  assert.equal(third.quotas.concurrency?.status.code, CODE.RESOURCE_EXHAUSTED);
  // Another destination has its own counter, and so has its release.
  assert.equal((await client.check({ ...bag, 'destination.service.host': 'ratings' }, ask)).quotas.concurrency?.grantedAmount, 1);

  const released = await releaseQuota(address, bag, { concurrency: 1, requestcount: 1 }, 'r-1');
  assert.deepEqual(released.quotas.concurrency, { status: { code: CODE.OK, message: '' }, releasedAmount: 1 });
  assert.equal(released.quotas.requestcount?.releasedAmount, 0, 'a rate window is not released');
  assert.equal((await releaseQuota(address, bag, { concurrency: 1 }, 'r-1')).quotas.concurrency?.releasedAmount, 1, 'a retried release is answered…');
  assert.equal((await client.check(bag, { concurrency: { amount: 2 } })).quotas.concurrency?.grantedAmount, 0, '…and not applied twice');
  assert.equal((await client.check(bag, { concurrency: { amount: 1 } })).quotas.concurrency?.grantedAmount, 1);
  // A bag the rule does not match reaches no handler: nothing is released.
  assert.equal((await releaseQuota(address, { ...bag, 'request.path': '/other' }, { concurrency: 2 })).quotas.concurrency?.releasedAmount, 0);
  assert.equal((await releaseQuota(address, bag, { concurrency: 5 })).quotas.concurrency?.releasedAmount, 2);
  await assert.rejects(releaseQuota(address, bag, { concurrency: -1 }), /INVALID_ARGUMENT.*quotas\["concurrency"\]: -1 is not an amount to release/);
});
