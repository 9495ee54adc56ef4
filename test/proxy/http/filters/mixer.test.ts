// The Mixer filter one level below the proxy, against a real in-process Mixer: a Check the cache
// can answer returns its status synchronously (no promise) — allowed or denied — while a miss
// returns a promise; a quota the local pool holds is also answered synchronously; and the bag a
// Report carries is the request's attributes as the filter saw them plus the response's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODE, type AttributeValue } from '../../../../src/mixer/index.js';
import { MixerClient } from '../../../../src/mixerclient/index.js';
import { flushMixerClients } from '../../../../src/mixerclient/shared.js';
import type { FilterStatus, HttpFilter } from '../../../../src/proxy/http/filter.js';
import { MIXER_FILTER_TYPE, mixerFilter } from '../../../../src/proxy/http/filters/mixer.js';
import { RequestBag, reportedAttributes } from '../../../../src/proxy/http/filters/mixer-attributes.js';
import type { StreamSummary } from '../../../../src/proxy/http/observer.js';
import { docs, yaml } from '../../../mixer/helpers.js';
import { comparable, startCountingMixer, startRecordingMixer } from '../../../mixerclient/helpers.js';
import { build, fakeStream, type FakeStream } from './fake-stream.js';

const NAME = 'isthmus.mixer';
const OWN = { 'destination.service.host': 'reviews.default.svc.cluster.local', 'destination.labels': { app: 'reviews' } };

/** The bench's rule: a list of denied principals, read as `source.principal | "none"`. */
const principalRule = (denied: string) => docs(
  yaml.handler('denied', 'list', { overrides: [denied], blacklist: true, cachingInterval: '1h', cachingUseCount: 1000 }),
  yaml.instance('who', 'listentry', { value: 'source.principal | "none"' }),
  yaml.rule('by-principal', undefined, [{ handler: 'denied', instances: ['who'] }]),
);

function mixerConfig(check: string, report = '', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@type': MIXER_FILTER_TYPE, transport: { check_server: check, report_server: report }, mixer_attributes: { attributes: OWN }, ...extra };
}

const isPromise = (s: FilterStatus | Promise<FilterStatus>): s is Promise<FilterStatus> => typeof s !== 'string';

function decode(filter: HttpFilter, stream: FakeStream): FilterStatus | Promise<FilterStatus> {
  return filter.decodeHeaders!(stream);
}

test('a warm cache answers decodeHeaders synchronously: continue for an allowed caller, a local 403 for a denied one', async (t) => {
  const allowed = await startCountingMixer(principalRule('someone-else'));
  t.after(() => allowed.close());
  const filter = build(mixerFilter, mixerConfig(allowed.address), NAME);
  const first = decode(filter, fakeStream({ path: '/first' }));
  assert.ok(isPromise(first), 'a cold cache asks Mixer');
  assert.equal(await first, 'continue');
  for (let i = 0; i < 50; i++) {
    const s = decode(filter, fakeStream({ path: `/items/${i}` }));
    assert.equal(s, 'continue', 'a cache hit is a plain status, not a promise');
  }
  assert.equal(allowed.checks(), 1);

  const denying = await startCountingMixer(principalRule('none'));
  t.after(() => denying.close());
  const deny = build(mixerFilter, mixerConfig(denying.address), NAME);
  const cold = fakeStream();
  assert.equal(await decode(deny, cold), 'stop');
  assert.equal(cold.localReply?.status, 403);
  const warm = fakeStream();
  assert.equal(decode(deny, warm), 'stop', 'a cached denial is synchronous too');
  assert.equal(warm.localReply?.status, 403);
  assert.equal(warm.localReply?.body, cold.localReply?.body);
  assert.equal(denying.checks(), 1);
});

test('quota the local pool holds is taken synchronously; the pool never grants more than the quota', async (t) => {
  const mixer = await startCountingMixer(docs(
    yaml.handler('q', 'memquota', { quotas: [{ name: 'requestcount', maxAmount: 30, validDuration: '10m' }] }),
    yaml.instance('requestcount', 'quota', { dimensions: {} }),
    yaml.rule('limit', undefined, [{ handler: 'q', instances: ['requestcount'] }]),
  ));
  t.after(() => mixer.close());
  const client = new MixerClient({ checkServer: mixer.address, reportServer: '', quotaMaxPrefetch: 10 });
  t.after(() => client.close());
  const quota = [{ name: 'requestcount', amount: 1 }];
  let sync = 0;
  let allowed = 0;
  for (let i = 0; i < 60; i++) {
    const outcome = client.decide({ 'request.path': `/${i}` }, quota);
    if (!(outcome instanceof Promise)) sync++;
    if ((await outcome).status.code === CODE.OK) allowed++;
  }
  assert.equal(allowed, 30, 'exactly the quota');
  assert.ok(sync > 0, 'some requests were served from the pool without a promise');
  assert.equal(sync + mixer.checks(), 60);
});

test('Report carries the request as the filter saw it and the response as it ended, through the real server', async (t) => {
  const mixer = await startRecordingMixer(principalRule('someone-else'));
  t.after(() => mixer.close());
  const filter = build(mixerFilter, mixerConfig(mixer.address, mixer.address, { report_batch: { max_entries: 1000, flush_interval_ms: 60_000 } }), NAME);
  const expected: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    const stream = fakeStream({
      path: `/items/${i}?q=${i}`, method: i === 1 ? 'POST' : 'GET',
      headers: { 'x-request-id': `id-${i}`, 'user-agent': 'test', 'content-length': '5', ...(i === 2 ? { referer: 'http://x/' } : {}), 'x-multi': ['a', 'b'] },
    });
    await decode(filter, stream);
    // A filter later in the chain changes the headers; the Report keeps what the Mixer filter saw.
    stream.request.headers['x-added-later'] = 'yes';
    const summary: StreamSummary = {
      stream, responseCode: i === 1 ? 503 : 200, responseCodeDetails: 'via_upstream', requestBytes: 5, responseBytes: 100 + i, durationMs: 1.5,
      responseHeaders: { 'content-type': 'text/plain', ...(i === 1 ? { 'grpc-status': '14' } : {}) },
    };
    filter.onStreamComplete!(summary);
    const bag = stream.filterState.get(`isthmus.mixer.bag:${NAME}`) as RequestBag;
    const plain = reportedAttributes(bag, summary);
    assert.equal(plain['request.headers'] && (plain['request.headers'] as Record<string, string>)['x-added-later'], undefined);
    assert.equal((plain['request.headers'] as Record<string, string>)['x-multi'], 'a,b');
    assert.equal(plain['request.url_path'], `/items/${i}`);
    assert.equal(plain['check.cache_hit'], i > 0);
    assert.equal(plain['destination.service.host'], OWN['destination.service.host']);
    expected.push(comparable(plain));
  }
  await flushMixerClients();
  const seen = mixer.reported().map(comparable);
  // response.time is taken when the bag is written; compare everything else exactly.
  const withoutTime = (b: Record<string, unknown>) => ({ ...b, 'response.time': undefined });
  assert.deepEqual(seen.map(withoutTime), expected.map(withoutTime));
  assert.ok(seen.every((b) => Array.isArray(b['response.time'])), 'response.time is a timestamp on every bag');
});

test('the lazy bag reads like the plain one: own attributes, derived ones, absence', () => {
  const stream = fakeStream({ headers: { 'x-request-id': 'r1' } });
  const own: Record<string, AttributeValue> = { ...OWN, 'request.path': 'shadowed by the request', 'source.principal': 'from config' };
  const bag = new RequestBag(stream, own) as unknown as Record<string, AttributeValue | undefined>;
  assert.equal(bag['request.path'], '/');
  assert.equal(bag['request.id'], 'r1');
  assert.equal(bag['request.useragent'], undefined);
  assert.equal(bag['source.principal'], 'from config', 'a conditional attribute the request lacks falls back to the config');
  assert.deepEqual([...(bag['source.ip'] as Uint8Array)], [10, 1, 2, 3]);
  assert.equal(bag['connection.mtls'], false);
});
