// Two real `isthmus mixer` processes on one real redis-server share one quota: N grants in total
// under concurrent load, not 2N. Also the rolling window and dedup ids against Redis directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startIsthmus } from '../helpers/process.js';
import { createRedisquota } from '../../src/mixer/adapters/redisquota/redisquota.js';
import { CODE } from '../../src/mixer/index.js';
import { docs, mixerClient, startRedis, yaml } from './helpers.js';

test('two Mixer replicas on one Redis grant N in total under concurrent load', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const N = 40;
  writeFileSync(join(dir, 'quota.yaml'), docs(
    yaml.handler('shared', 'redisquota', { redisServerUrl: redis.url, quotas: [{ name: 'requestcount', maxAmount: N, validDuration: '10m' }] }),
    yaml.instance('requestcount', 'quota', { dimensions: { destination: 'destination.service.host | "unknown"' } }),
    yaml.rule('quota', undefined, [{ handler: 'shared', instances: ['requestcount'] }]),
  ));
  const mixers = [0, 1].map(() => startIsthmus(['mixer', '--config-dir', dir, '--grpc-port', '0', '--monitoring-port', '0']));
  t.after(() => Promise.all(mixers.map((m) => m.stop())));
  const addresses = await Promise.all(mixers.map(async (m) => (await m.waitForLine(/mixer grpc (\S+) /))[1]!));
  const clients = addresses.map((a) => mixerClient(a));
  t.after(() => clients.forEach((c) => c.close()));
  const attempts = Array.from({ length: 3 * N }, (_, i) => clients[i % 2]!.check({ 'destination.service.host': 'reviews' }, { requestcount: { amount: 1 } }));
  const results = await Promise.all(attempts);
  const granted = results.reduce((n, r) => n + (r.quotas.requestcount?.grantedAmount ?? 0), 0);
  assert.equal(granted, N);
  assert.equal(results.filter((r) => r.quotas.requestcount?.status.code === CODE.RESOURCE_EXHAUSTED).length, 2 * N);
  assert.ok(results.every((r) => r.status.code === CODE.OK));
  // A different dimension value has its own counter.
  assert.equal((await clients[1]!.check({ 'destination.service.host': 'ratings' }, { requestcount: { amount: 1 } })).quotas.requestcount?.grantedAmount, 1);
});

test('redisquota: rolling window, best effort and dedup ids', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const adapter = await createRedisquota({
    redisServerUrl: redis.url,
    quotas: [
      { name: 'rolling', maxAmount: 3, validDuration: '10m', bucketDuration: '1m', rateLimitAlgorithm: 'ROLLING_WINDOW' },
      { name: 'fixed', maxAmount: 3, validDuration: '10m' },
    ],
  }, { handler: 'h.default', registry: new Registry(), log: () => undefined, now: Date.now });
  t.after(() => adapter.close?.());
  const inst = (name: string) => ({ name, namespace: 'default', template: 'quota', fields: { dimensions: {} } });
  const q = (name: string, amount: number, bestEffort = false, dedupId = '') => adapter.quota!(inst(name), { amount, bestEffort, dedupId });
  for (const name of ['rolling', 'fixed']) {
    assert.equal((await q(name, 2, false, 'a')).grantedAmount, 2, name);
    assert.equal((await q(name, 2, false, 'a')).grantedAmount, 2, `${name}: a retry is answered, not charged`);
    assert.equal((await q(name, 2)).grantedAmount, 0, `${name}: all or nothing`);
    assert.equal((await q(name, 2, true)).grantedAmount, 1, `${name}: best effort gets what is left`);
    assert.equal((await q(name, 1, true)).grantedAmount, 0, name);
  }
  const fixed = await q('fixed', 1);
  assert.ok(fixed.validDurationMs > 590_000 && fixed.validDurationMs <= 600_000, String(fixed.validDurationMs));
});
