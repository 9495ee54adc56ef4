// The client library against a real Mixer: the cache keyed by referenced attributes (10,000
// requests varying only the path make one Check call per principal, counted on the Mixer side,
// until validDuration ends), validUseCount, quota prefetch that never grants more than the
// quota, report batching by size, and fail-open / fail-closed with no Mixer listening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE } from '../../src/mixer/index.js';
import { MixerClient } from '../../src/mixerclient/index.js';
import { freePort } from '../helpers/process.js';
import { docs, yaml } from '../mixer/helpers.js';
import { startCountingMixer } from './helpers.js';

const PRINCIPAL_RULE = (validDuration: string, validUseCount = 100_000) => docs(
  yaml.handler('admins', 'list', { overrides: ['cluster.local/ns/default/sa/intruder'], blacklist: true, cachingInterval: validDuration, cachingUseCount: validUseCount }),
  yaml.instance('who', 'listentry', { value: 'source.principal | ""' }),
  yaml.rule('by-principal', undefined, [{ handler: 'admins', instances: ['who'] }]),
);

const principal = (sa: string) => `cluster.local/ns/default/sa/${sa}`;

test('10,000 requests varying the path make one Check call per principal until validDuration ends', async (t) => {
  const mixer = await startCountingMixer(PRINCIPAL_RULE('1h'));
  t.after(() => mixer.close());
  let now = 1_000_000;
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', now: () => now });
  t.after(() => client.close());
  const principals = ['alice', 'bob', 'intruder'];
  for (let i = 0; i < 10_000; i++) {
    const who = principals[i % principals.length]!;
    const r = await client.check({ 'source.principal': principal(who), 'request.path': `/items/${i}`, 'request.method': 'GET' });
    assert.equal(r.status.code, who === 'intruder' ? CODE.PERMISSION_DENIED : CODE.OK, `${who} ${i}`);
  }
  assert.equal(mixer.checks(), principals.length, 'one Check per principal');
  assert.equal(client.stats.checkCacheHits, 10_000 - principals.length);
  // validDuration (1h) ends: the next request for a principal asks again, once.
  now += 3_600_000 + 1;
  await client.check({ 'source.principal': principal('alice'), 'request.path': '/later' });
  await client.check({ 'source.principal': principal('alice'), 'request.path': '/later/still' });
  assert.equal(mixer.checks(), principals.length + 1);
});

test('an answer is reused at most validUseCount times', async (t) => {
  const mixer = await startCountingMixer(PRINCIPAL_RULE('1h', 10));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '' });
  t.after(() => client.close());
  for (let i = 0; i < 25; i++) await client.check({ 'source.principal': principal('alice'), 'request.path': `/${i}` });
  assert.equal(mixer.checks(), 3, '10 uses per answer: requests 1, 11 and 21 ask Mixer');
});

test('when a cached answer runs out under load, the requests waiting on the same key share one Check', async (t) => {
  const mixer = await startCountingMixer(PRINCIPAL_RULE('1h'));
  t.after(() => mixer.close());
  let now = 1_000_000;
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', now: () => now });
  t.after(() => client.close());
  await client.check({ 'source.principal': principal('alice'), 'request.path': '/first' });
  assert.equal(mixer.checks(), 1);
  now += 3_600_000 + 1; // the answer expires; 50 requests for alice arrive at once
  const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => client.check({ 'source.principal': principal('alice'), 'request.path': `/burst/${i}` })));
  assert.ok(burst.every((r) => r.status.code === CODE.OK));
  assert.equal(mixer.checks(), 2, 'one Check for the whole burst');
  assert.equal(client.stats.coalescedChecks, 49);
  // A different principal is a different key: it does not wait on alice's Check.
  await Promise.all([client.check({ 'source.principal': principal('bob'), 'request.path': '/x' }), client.check({ 'source.principal': principal('alice'), 'request.path': '/y' })]);
  assert.equal(mixer.checks(), 3);
});

test('an attribute a rule reads keys the cache; one it does not read never does', async (t) => {
  const mixer = await startCountingMixer(docs(
    yaml.handler('deny', 'denier', { status: { message: 'no admin' } }),
    yaml.instance('nothing', 'checknothing', {}),
    yaml.rule('admin', 'request.path.startsWith("/admin")', [{ handler: 'deny', instances: ['nothing'] }]),
  ));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '' });
  t.after(() => client.close());
  assert.equal((await client.check({ 'request.path': '/admin', 'request.method': 'GET' })).status.code, CODE.PERMISSION_DENIED);
  assert.equal((await client.check({ 'request.path': '/admin', 'request.method': 'POST' })).status.code, CODE.PERMISSION_DENIED);
  assert.equal(mixer.checks(), 1, 'the method is not referenced: a hit');
  assert.equal((await client.check({ 'request.path': '/public', 'request.method': 'GET' })).status.code, CODE.OK);
  assert.equal(mixer.checks(), 2, 'a different path is a different key');
});

test('quota prefetch serves requests from the local pool and never grants more than the quota', async (t) => {
  const mixer = await startCountingMixer(docs(
    yaml.handler('q', 'memquota', { quotas: [{ name: 'requestcount', maxAmount: 50, validDuration: '10m' }] }),
    yaml.instance('requestcount', 'quota', { dimensions: {} }),
    yaml.rule('limit', undefined, [{ handler: 'q', instances: ['requestcount'] }]),
  ));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', quotaMaxPrefetch: 10 });
  t.after(() => client.close());
  const results = await Promise.all(Array.from({ length: 80 }, (_, i) => client.check({ 'request.path': `/${i}` }, [{ name: 'requestcount', amount: 1 }])));
  const ok = results.filter((r) => r.status.code === CODE.OK).length;
  // Concurrent requests may all miss the pool at once; what they did not use waits there.
  let more = 0;
  while ((await client.check({ 'request.path': '/drain' }, [{ name: 'requestcount', amount: 1 }])).status.code === CODE.OK) more++;
  assert.equal(ok + more, 50, 'exactly the quota, no more');
  assert.ok(client.stats.quotaPoolHits > 0, 'some requests came from the pool');
  assert.ok(mixer.checks() < 80 + more, `fewer Check calls (${mixer.checks()}) than requests`);
});

test('reports are batched by size, and flushed on close', async (t) => {
  const mixer = await startCountingMixer(docs(yaml.handler('deny', 'denier', {}), yaml.instance('nothing', 'checknothing', {})));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: '', reportServer: mixer.address, reportBatchMaxEntries: 10, reportBatchFlushMs: 3_600_000 });
  for (let i = 0; i < 25; i++) client.report({ 'request.path': `/${i}`, 'response.code': 200 });
  await client.flush();
  assert.equal(client.stats.remoteReportCalls, 3, 'two full batches and the rest on flush');
  client.report({ 'request.path': '/last' });
  await client.close();
  assert.equal(client.stats.remoteReportCalls, 4);
  assert.equal(client.stats.remoteReportErrors, 0);
});

test('with no Mixer listening, fail-closed answers UNAVAILABLE and fail-open lets requests through', async (t) => {
  const address = `127.0.0.1:${await freePort()}`;
  const closed = new MixerClient({ checkServer: address, reportServer: '', timeoutMs: 500 });
  const open = new MixerClient({ checkServer: address, reportServer: '', timeoutMs: 500, failOpen: true });
  t.after(() => Promise.all([closed.close(), open.close()]));
  const c = await closed.check({ 'request.path': '/' });
  assert.equal(c.status.code, CODE.UNAVAILABLE);
  assert.equal(c.source, 'fail-closed');
  const o = await open.check({ 'request.path': '/' });
  assert.equal(o.status.code, CODE.OK);
  assert.equal(o.source, 'fail-open');
  assert.equal(open.stats.failOpen, 1);
  assert.match(open.stats.prometheus(address), /envoy_http_mixer_filter_total_check_fail_open\{mixer="127\.0\.0\.1:\d+"\} 1/);
});
