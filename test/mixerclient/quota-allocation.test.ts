// The client library and allocation quota, against a real Mixer: the Check answer marks the
// quota as an allocation, the client never pools it (what it was granted beyond the request's
// amount, asked before it knew, goes straight back), a denied request holds nothing, and
// `release` gives a request's grant back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE } from '../../src/mixer/index.js';
import { MixerClient, type CheckOutcome } from '../../src/mixerclient/index.js';
import { eventually } from '../helpers/eventually.js';
import { docs, yaml } from '../mixer/helpers.js';
import { startCountingMixer } from './helpers.js';

const QUOTAS = (inflight: number) => docs(
  yaml.handler('q', 'memquota', { quotas: [{ name: 'inflight', maxAmount: inflight }, { name: 'requestcount', maxAmount: 1, validDuration: '10m' }] }),
  yaml.instance('inflight', 'quota', { dimensions: {} }),
  yaml.instance('requestcount', 'quota', { dimensions: { path: 'request.path' } }),
  yaml.rule('limit', undefined, [{ handler: 'q', instances: ['inflight', 'requestcount'] }]),
);

const INFLIGHT = [{ name: 'inflight', amount: 1 }];

test('an allocation quota is held per request until released, and never pooled', async (t) => {
  const mixer = await startCountingMixer(QUOTAS(2));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', quotaMaxPrefetch: 10 });
  t.after(() => client.close());
  const bag = { 'request.path': '/a' };
  const first = await client.check(bag, INFLIGHT);
  assert.equal(first.status.code, CODE.OK);
  assert.deepEqual(first.allocations, [{ name: 'inflight', amount: 1 }]);
  assert.deepEqual((await client.check(bag, INFLIGHT)).allocations, [{ name: 'inflight', amount: 1 }]);
  const third = await client.check(bag, INFLIGHT);
  assert.equal(third.status.code, CODE.RESOURCE_EXHAUSTED);
  assert.equal(third.allocations, undefined);
  assert.equal(client.pooledQuota('inflight', bag), 0);
  assert.deepEqual(await client.release(bag, first.allocations!), { inflight: 1 });
  assert.equal((await client.check(bag, INFLIGHT)).status.code, CODE.OK, 'the released unit is used again');
  assert.equal(client.stats.remoteReleaseCalls, 1);
  assert.match(client.stats.prometheus(mixer.address), /envoy_http_mixer_filter_total_remote_release_calls\{mixer="[^"]+"\} 1/);
});

test('concurrent first requests may ask for more before the client knows; the surplus goes back', async (t) => {
  const N = 50;
  const mixer = await startCountingMixer(QUOTAS(N));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', quotaMaxPrefetch: 10 });
  t.after(() => client.close());
  const bag = { 'request.path': '/a' };
  const results = await Promise.all(Array.from({ length: 80 }, () => client.check(bag, INFLIGHT)));
  const held = results.filter((r) => r.status.code === CODE.OK);
  assert.ok(held.length > 0 && held.length <= N, String(held.length));
  assert.ok(held.every((r) => r.allocations?.length === 1 && r.allocations[0]!.amount === 1));
  assert.equal(client.pooledQuota('inflight', bag), 0, 'nothing pooled');
  // Once the surplus is back, exactly what the requests hold is in use: the rest can be had.
  const rest = N - held.length;
  if (rest > 0) await eventually('the surplus is released', async () => ((await client.check(bag, [{ name: 'inflight', amount: rest }])).status.code === CODE.OK ? true : undefined));
  assert.equal((await client.check(bag, INFLIGHT)).status.code, CODE.RESOURCE_EXHAUSTED);
  // Now known as an allocation quota: each request asks for exactly its own amount.
  await client.release(bag, [{ name: 'inflight', amount: N }]);
  const again = await Promise.all(Array.from({ length: 80 }, () => client.check(bag, INFLIGHT)));
  assert.equal(again.filter((r) => r.status.code === CODE.OK).length, N);
});

test('a request denied by another quota holds no allocation', async (t) => {
  const mixer = await startCountingMixer(QUOTAS(5));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', quotaMaxPrefetch: 1 });
  t.after(() => client.close());
  const both = [{ name: 'inflight', amount: 1 }, { name: 'requestcount', amount: 1 }];
  const ok: CheckOutcome = await client.check({ 'request.path': '/once' }, both);
  assert.deepEqual(ok.allocations, [{ name: 'inflight', amount: 1 }]);
  const denied = await client.check({ 'request.path': '/once' }, both);
  assert.equal(denied.status.code, CODE.RESOURCE_EXHAUSTED);
  assert.equal(denied.allocations, undefined);
  // The denied request's inflight unit went back: 4 of 5 are free again.
  await eventually('the denied request\'s grant is released', async () => ((await client.check({ 'request.path': '/x' }, [{ name: 'inflight', amount: 4 }])).status.code === CODE.OK ? true : undefined));
});

test('release with Mixer gone rejects after one retry, counted', async (t) => {
  const mixer = await startCountingMixer(QUOTAS(1));
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', timeoutMs: 500 });
  t.after(() => client.close());
  const held = await client.check({ 'request.path': '/a' }, INFLIGHT);
  await mixer.close();
  await assert.rejects(client.release({ 'request.path': '/a' }, held.allocations!));
  assert.equal(client.stats.remoteReleaseCalls, 2);
  assert.equal(client.stats.remoteReleaseErrors, 1);
});
