// redisquota allocation quotas against a real redis-server: allocate, release, dedup and best
// effort by the Lua scripts, and two real `isthmus mixer` replicas sharing one in-use count (a
// Release on one frees what a Check on the other took).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startIsthmus } from '../helpers/process.js';
import { createRedisquota } from '../../src/mixer/adapters/redisquota/redisquota.js';
import { CODE } from '../../src/mixer/index.js';
import { docs, mixerClient, releaseQuota, startRedis, yaml } from './helpers.js';

test('redisquota: allocation held until released, best effort, dedup on both sides', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const adapter = await createRedisquota({
    redisServerUrl: redis.url,
    quotas: [{ name: 'inflight', maxAmount: 3, overrides: [{ dimensions: { kind: 'rate' }, maxAmount: 1, validDuration: '10m' }] }],
    minDeduplicationDuration: '1m',
  }, { handler: 'h.default', registry: new Registry(), log: () => undefined, now: Date.now });
  t.after(() => adapter.close?.());
  const inst = (kind = 'held') => ({ name: 'inflight', namespace: 'default', template: 'quota', fields: { dimensions: { kind } } });
  const alloc = (amount: number, bestEffort = false, dedupId = '') => adapter.quota!(inst(), { amount, bestEffort, dedupId });
  const release = async (amount: number, dedupId = '', kind = 'held') => (await adapter.release!(inst(kind), { amount, dedupId })).releasedAmount;

  assert.deepEqual(await alloc(2, false, 'c1'), { grantedAmount: 2, validDurationMs: 0, allocation: true });
  assert.equal((await alloc(2, false, 'c1')).grantedAmount, 2, 'a retried allocation is answered…');
  assert.equal((await alloc(2)).grantedAmount, 0, '…not charged: all or nothing leaves it at 2 in use');
  assert.equal((await alloc(2, true)).grantedAmount, 1, 'best effort gets what is left');
  assert.equal(await release(1, 'r1'), 1);
  assert.equal(await release(1, 'r1'), 1, 'a retried release is answered…');
  assert.equal((await alloc(2, true)).grantedAmount, 1, '…not applied twice');
  assert.equal(await release(10), 3, 'at most what is in use');
  assert.equal(await release(1), 0, 'never below zero');
  assert.equal((await alloc(3)).grantedAmount, 3);
  // The override is a rate window: granted, and not given back.
  assert.equal((await adapter.quota!(inst('rate'), { amount: 1, bestEffort: false, dedupId: '' })).allocation, undefined);
  assert.equal(await release(1, '', 'rate'), 0);
});

test('two Mixer replicas on one Redis share one allocation count', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const N = 4;
  writeFileSync(join(dir, 'quota.yaml'), docs(
    yaml.handler('shared', 'redisquota', { redisServerUrl: redis.url, quotas: [{ name: 'inflight', maxAmount: N }] }),
    yaml.instance('inflight', 'quota', { dimensions: { destination: 'destination.service.host | "unknown"' } }),
    yaml.rule('concurrency', undefined, [{ handler: 'shared', instances: ['inflight'] }]),
  ));
  const mixers = [0, 1].map(() => startIsthmus(['mixer', '--config-dir', dir, '--grpc-port', '0', '--monitoring-port', '0']));
  t.after(() => Promise.all(mixers.map((m) => m.stop())));
  const addresses = await Promise.all(mixers.map(async (m) => (await m.waitForLine(/mixer grpc (\S+) /))[1]!));
  const clients = addresses.map((a) => mixerClient(a));
  t.after(() => clients.forEach((c) => c.close()));
  const bag = { 'destination.service.host': 'reviews' };
  const results = await Promise.all(Array.from({ length: 3 * N }, (_, i) => clients[i % 2]!.check(bag, { inflight: { amount: 1 } })));
  assert.equal(results.reduce((n, r) => n + (r.quotas.inflight?.grantedAmount ?? 0), 0), N, 'N in use in all, not N per replica');
  assert.ok(results.every((r) => r.quotas.inflight?.allocation === true));
  assert.equal(results.filter((r) => r.quotas.inflight?.status.code === CODE.RESOURCE_EXHAUSTED).length, 2 * N);
  // Released through replica 1, used again through replica 0.
  assert.equal((await releaseQuota(addresses[1]!, bag, { inflight: 2 })).quotas.inflight?.releasedAmount, 2);
  assert.equal((await clients[0]!.check(bag, { inflight: { amount: 2 } })).quotas.inflight?.grantedAmount, 2);
  assert.equal((await clients[1]!.check(bag, { inflight: { amount: 1 } })).quotas.inflight?.grantedAmount, 0);
  assert.equal((await releaseQuota(addresses[0]!, bag, { inflight: 100 })).quotas.inflight?.releasedAmount, N);
});
