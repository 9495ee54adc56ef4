import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { createLocalRateLimitFactory, localRateLimitFilter } from '../../../../src/proxy/http/filters/local-ratelimit.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { build, fakeStream, routeTable, runChain, type FakeStream } from './fake-stream.js';
import { typed } from './typed.js';

const NAME = 'envoy.filters.http.local_ratelimit';
const rl = (fields: Fields) => typed('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', { stat_prefix: 'http_local_rate_limiter', ...fields });
const ON = { default_value: { numerator: 100 } };
const bucket = (max: number, perFill = 1, fillSeconds = 1) => ({ max_tokens: max, tokens_per_fill: { value: perFill }, fill_interval: { seconds: fillSeconds } });

/** A hand-driven clock and a filter built on it. */
function limiter(config: Fields, random: () => number = Math.random) {
  const clock = { t: 1000 };
  const factory = createLocalRateLimitFactory({ now: () => clock.t, random });
  return { clock, filter: build(factory, config, NAME) };
}

async function status(filter: ReturnType<typeof limiter>['filter'], stream: FakeStream = fakeStream()): Promise<number | undefined> {
  return (await runChain([filter], stream)).head?.status;
}

test('requests beyond the bucket get 429 with flag RL until the next fill', async () => {
  const { clock, filter } = limiter(rl({ token_bucket: bucket(2), filter_enabled: ON, filter_enforced: ON }));
  assert.equal(await status(filter), 200);
  assert.equal(await status(filter), 200);
  const stream = fakeStream();
  const r = await runChain([filter], stream);
  assert.deepEqual(r.local, { status: 429, body: 'local_rate_limited', headers: {}, grpcStatus: 14, flag: 'RL', details: 'local_rate_limited' });
  assert.ok(stream.responseFlags.has('RL'));
  clock.t += 999;
  assert.equal(await status(filter), 429);
  clock.t += 1;
  assert.equal(await status(filter), 200);
  assert.equal(await status(filter), 429);
  // Idle for a long time: the bucket is full again but never above max_tokens.
  clock.t += 60_000;
  assert.deepEqual([await status(filter), await status(filter), await status(filter)], [200, 200, 429]);
});

test('tokens_per_fill adds that many tokens per interval', async () => {
  const { clock, filter } = limiter(rl({ token_bucket: bucket(5, 3, 2), filter_enabled: ON, filter_enforced: ON }));
  for (let i = 0; i < 5; i++) assert.equal(await status(filter), 200);
  assert.equal(await status(filter), 429);
  clock.t += 2000;
  assert.deepEqual([await status(filter), await status(filter), await status(filter), await status(filter)], [200, 200, 200, 429]);
});

test('filter_enabled and filter_enforced default to 0%: nothing is limited without them', async () => {
  const { filter } = limiter(rl({ token_bucket: bucket(1) }));
  for (let i = 0; i < 5; i++) assert.equal(await status(filter), 200);
});

test('enabled but not enforced: the request goes on with request_headers_to_add_when_not_enforced', async () => {
  const { filter } = limiter(rl({
    token_bucket: bucket(1),
    filter_enabled: ON,
    filter_enforced: { default_value: { numerator: 0 } },
    request_headers_to_add_when_not_enforced: [{ header: { key: 'x-rate-limited', value: 'shadow' } }],
  }));
  const first = fakeStream();
  await runChain([filter], first);
  assert.equal(first.request.headers['x-rate-limited'], undefined);
  const second = fakeStream();
  const r = await runChain([filter], second);
  assert.equal(r.head?.status, 200);
  assert.equal(second.request.headers['x-rate-limited'], 'shadow');
  assert.ok(!second.responseFlags.has('RL'));
});

test('the enabled and enforced fractions are drawn per request', async () => {
  const draws = [0.3, 0.7];
  const { filter } = limiter(rl({ token_bucket: bucket(1), filter_enabled: { default_value: { numerator: 50 } }, filter_enforced: ON }), () => draws.shift()!);
  assert.equal(await status(filter), 200); // enabled (0.3): takes the only token
  assert.equal(await status(filter), 200); // not enabled (0.7): not counted at all
});

test('x-ratelimit headers (draft 03) go on every response of a limited route; response_headers_to_add on the 429', async () => {
  const { clock, filter } = limiter(rl({
    token_bucket: bucket(2, 1, 10),
    filter_enabled: ON,
    filter_enforced: ON,
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    response_headers_to_add: [{ header: { key: 'x-local-rate-limit', value: 'true' } }],
  }));
  const ok = await runChain([filter], fakeStream());
  assert.deepEqual(ok.head?.headers, { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '10' });
  clock.t += 3500;
  await runChain([filter], fakeStream());
  const limited = await runChain([filter], fakeStream());
  assert.equal(limited.head?.status, 429);
  assert.deepEqual(limited.head?.headers, { 'x-local-rate-limit': 'true', 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '7' });
});

test('status picks the reply code (below 400 means 429); gRPC calls get UNAVAILABLE or RESOURCE_EXHAUSTED', async () => {
  const limited = async (extra: Fields, grpc = false) => {
    const { filter } = limiter(rl({ token_bucket: bucket(1), filter_enabled: ON, filter_enforced: ON, ...extra }));
    await runChain([filter], fakeStream());
    const headers: Record<string, string> = grpc ? { 'content-type': 'application/grpc' } : {};
    return (await runChain([filter], fakeStream({ headers }))).local;
  };
  assert.equal((await limited({ status: { code: 'ServiceUnavailable' } }))?.status, 503);
  assert.equal((await limited({ status: { code: 'OK' } }))?.status, 429);
  assert.equal((await limited({}, true))?.grpcStatus, 14);
  assert.equal((await limited({ rate_limited_as_resource_exhausted: true }, true))?.grpcStatus, 8);
});

test('each per-route config has its own bucket, separate from the listener bucket', async () => {
  const routeLimit = rl({ token_bucket: bucket(1), filter_enabled: ON, filter_enforced: ON });
  const table = routeTable({ routes: [{ match: { prefix: '/a' }, route: { cluster: 'a' }, typed_per_filter_config: { [NAME]: routeLimit } }, { match: { prefix: '/b' }, route: { cluster: 'b' }, typed_per_filter_config: { [NAME]: rl({ token_bucket: bucket(1), filter_enabled: ON, filter_enforced: ON }) } }] });
  const { filter } = limiter(rl({ token_bucket: bucket(1), filter_enabled: ON, filter_enforced: ON }));
  const to = (path: string) => fakeStream({ routeTable: table, path });
  assert.equal(await status(filter, to('/a')), 200);
  assert.equal(await status(filter, to('/a')), 429);
  assert.equal(await status(filter, to('/b')), 200);
  assert.equal(await status(filter, to('/b')), 429);
  assert.equal(await status(filter, to('/other')), 200, 'the listener bucket is untouched by the routes');
  assert.equal(await status(filter, to('/other')), 429);
});

test('a listener config without a bucket limits only routes that bring one', async () => {
  const table = routeTable({ routes: [{ match: { prefix: '/limited' }, route: { cluster: 'a' }, typed_per_filter_config: { [NAME]: rl({ token_bucket: bucket(1), filter_enabled: ON, filter_enforced: ON }) } }] });
  const { filter } = limiter(rl({ filter_enabled: ON, filter_enforced: ON }));
  for (let i = 0; i < 3; i++) assert.equal(await status(filter, fakeStream({ routeTable: table, path: '/free' })), 200);
  assert.equal(await status(filter, fakeStream({ routeTable: table, path: '/limited' })), 200);
  assert.equal(await status(filter, fakeStream({ routeTable: table, path: '/limited' })), 429);
});

test('bad local rate limit configs are rejected naming the field', () => {
  const reject = (check: () => unknown, field: string, reason: RegExp) =>
    assert.throws(check, (e: unknown) => e instanceof FilterConfigError && e.field === field && reason.test(e.reason), field);
  reject(() => localRateLimitFilter.validatePerRoute!(rl({ filter_enabled: ON })), 'token_bucket', /required in a per-route config/);
  reject(() => build(localRateLimitFilter, rl({ token_bucket: { max_tokens: 1, fill_interval: { nanos: 10_000_000 } } }), NAME), 'token_bucket.fill_interval', /at least 50ms/);
  reject(() => build(localRateLimitFilter, rl({ token_bucket: { max_tokens: 0, fill_interval: { seconds: 1 } } }), NAME), 'token_bucket.max_tokens', /greater than 0/);
  reject(() => build(localRateLimitFilter, rl({ token_bucket: { max_tokens: 1 } }), NAME), 'token_bucket.fill_interval', /required/);
  reject(() => build(localRateLimitFilter, rl({ descriptors: [{ entries: [{ key: 'k', value: 'v' }], token_bucket: bucket(1) }] }), NAME), 'descriptors', /not supported/);
  reject(() => build(localRateLimitFilter, rl({ local_rate_limit_per_downstream_connection: true }), NAME), 'local_rate_limit_per_downstream_connection', /not supported/);
  reject(() => build(localRateLimitFilter, { ...rl({}), stat_prefix: '' }, NAME), 'stat_prefix', /required/);
  reject(() => build(localRateLimitFilter, rl({ response_headers_to_add: [{ header: { key: ':status', value: '1' } }] }), NAME), 'response_headers_to_add[0].header.key', /pseudo/);
});
