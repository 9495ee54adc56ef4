import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faultFilterConfig } from '../../../../src/control/translate/fault.js';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { createFaultFilterFactory, faultFilter } from '../../../../src/proxy/http/filters/fault.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { build, fakeStream, routeTable, runChain } from './fake-stream.js';
import { typed } from './typed.js';

const NAME = 'envoy.filters.http.fault';
const fault = (fields: Fields = {}) => typed('envoy.extensions.filters.http.fault.v3.HTTPFault', fields);
const ALL = { numerator: 100 };

/** A random source that hands out the given draws in order. */
function draws(...values: number[]): () => number {
  return () => {
    const v = values.shift();
    if (v === undefined) throw new Error('more random draws than the test planned');
    return v;
  };
}

function perRoute(config: Fields, method = 'GET', headers: Fields = {}) {
  return fakeStream({ routeTable: routeTable({ route: { [NAME]: config } }), method, headers: headers as Record<string, string> });
}

test('a fixed delay holds the request for its duration, flags DI, then lets it through', async () => {
  const filter = build(faultFilter, fault(), NAME);
  const stream = perRoute(fault({ delay: { fixed_delay: { nanos: 200_000_000 }, percentage: ALL } }));
  const started = performance.now();
  const r = await runChain([filter], stream, { status: 200, body: 'upstream' });
  const took = performance.now() - started;
  assert.ok(took >= 199, `delayed ${took} ms`);
  assert.equal(r.decodeStatus, 'continue');
  assert.equal(r.body.toString(), 'upstream');
  assert.ok(stream.responseFlags.has('DI'));
  assert.equal(stream.localReply, undefined);
});

test('an HTTP abort answers locally with its status and flag FI', async () => {
  const filter = build(faultFilter, fault(), NAME);
  const stream = perRoute(fault({ abort: { http_status: 503, percentage: ALL } }));
  const r = await runChain([filter], stream);
  assert.equal(r.decodeStatus, 'stop');
  assert.deepEqual(r.local, { status: 503, body: 'fault filter abort', flag: 'FI', details: 'fault_filter_abort' });
  assert.ok(stream.responseFlags.has('FI'));
});

test('a gRPC abort gives the gRPC status (the manager turns it into trailers-only grpc-status)', async () => {
  const filter = build(faultFilter, fault(), NAME);
  const stream = perRoute(fault({ abort: { grpc_status: 14, percentage: ALL } }), 'POST', { 'content-type': 'application/grpc' });
  const r = await runChain([filter], stream);
  assert.equal(r.local?.grpcStatus, 14);
  assert.equal(r.local?.status, 200);
  assert.equal(r.local?.flag, 'FI');
});

test('the VirtualService fault the control plane emits works as the per-route config', async () => {
  const emitted = faultFilterConfig({ abort: { httpStatus: 418, percentage: { value: 100 } }, delay: { fixedDelay: '10ms', percentage: { value: 100 } } })!;
  const { '@type': _type, ...fields } = emitted;
  const filter = build(faultFilter, fault(), NAME);
  const stream = perRoute(fault(fields as Fields));
  const r = await runChain([filter], stream);
  assert.equal(r.local?.status, 418);
  assert.deepEqual([...stream.responseFlags].sort(), ['DI', 'FI']);
});

test('percentages are drawn per request over their denominator', async () => {
  const cases: [Fields, number, boolean][] = [
    [{ numerator: 50 }, 0.49, true],
    [{ numerator: 50 }, 0.5, false],
    [{ numerator: 25, denominator: 'TEN_THOUSAND' }, 0.0024, true],
    [{ numerator: 25, denominator: 'TEN_THOUSAND' }, 0.0025, false],
    [{ numerator: 1, denominator: 'MILLION' }, 0.0000005, true],
    [{ numerator: 1, denominator: 'MILLION' }, 0.0000015, false],
  ];
  for (const [percentage, draw, aborts] of cases) {
    const factory = createFaultFilterFactory({ random: draws(draw) });
    const stream = perRoute(fault({ abort: { http_status: 500, percentage } }));
    const r = await runChain([build(factory, fault(), NAME)], stream);
    assert.equal(r.local !== undefined, aborts, `${JSON.stringify(percentage)} with draw ${draw}`);
  }
});

test('a fault without a percentage never fires (Envoy reads the missing message as 0%)', async () => {
  const stream = perRoute(fault({ abort: { http_status: 500 } }));
  const r = await runChain([build(faultFilter, fault(), NAME)], stream);
  assert.equal(r.local, undefined);
});

test('after a delay the abort draws again; both can hit', async () => {
  const slept: number[] = [];
  const factory = createFaultFilterFactory({ random: draws(0.1, 0.2), sleep: async (ms) => void slept.push(ms) });
  const config = fault({ delay: { fixed_delay: { seconds: 3 }, percentage: { numerator: 50 } }, abort: { http_status: 429, percentage: { numerator: 50 } } });
  const r = await runChain([build(factory, fault(), NAME)], perRoute(config));
  assert.deepEqual(slept, [3000]);
  assert.equal(r.local?.status, 429);

  const missAbort = createFaultFilterFactory({ random: draws(0.1, 0.9), sleep: async () => {} });
  const r2 = await runChain([build(missAbort, fault(), NAME)], perRoute(config));
  assert.equal(r2.local, undefined);
  assert.equal(r2.decodeStatus, 'continue');
});

test('a per-route fault replaces the listener fault; routes without one get the listener fault', async () => {
  const listener = fault({ abort: { http_status: 500, percentage: ALL } });
  const table = routeTable({
    routes: [{ match: { prefix: '/teapot' }, route: { cluster: 'backend' }, typed_per_filter_config: { [NAME]: fault({ abort: { http_status: 418, percentage: ALL } }) } }],
  });
  const filter = build(faultFilter, listener, NAME);
  const teapot = await runChain([filter], fakeStream({ routeTable: table, path: '/teapot' }));
  assert.equal(teapot.local?.status, 418);
  const other = await runChain([filter], fakeStream({ routeTable: table, path: '/other' }));
  assert.equal(other.local?.status, 500);
});

test('x-envoy-fault-* headers count only when the config asks for header_abort / header_delay', async () => {
  const headers = { 'x-envoy-fault-abort-request': '429', 'x-envoy-fault-delay-request': '700' };
  // A fixed fault ignores the client's headers.
  const fixed = await runChain([build(faultFilter, fault(), NAME)], perRoute(fault({ abort: { http_status: 503, percentage: ALL } }), 'GET', headers));
  assert.equal(fixed.local?.status, 503);
  // No fault configured: the headers do nothing.
  const none = await runChain([build(faultFilter, fault(), NAME)], fakeStream({ headers }));
  assert.equal(none.local, undefined);

  const slept: number[] = [];
  const factory = createFaultFilterFactory({ sleep: async (ms) => void slept.push(ms) });
  const headerControlled = fault({ delay: { header_delay: {}, percentage: ALL }, abort: { header_abort: {}, percentage: ALL } });
  const r = await runChain([build(factory, headerControlled, NAME)], fakeStream({ headers }));
  assert.deepEqual(slept, [700]);
  assert.equal(r.local?.status, 429);

  // gRPC abort by header, and a header-controlled fault with no header does nothing.
  const grpc = await runChain([build(factory, headerControlled, NAME)], fakeStream({ headers: { 'x-envoy-fault-abort-grpc-request': '8' } }));
  assert.equal(grpc.local?.grpcStatus, 8);
  const quiet = await runChain([build(factory, headerControlled, NAME)], fakeStream());
  assert.equal(quiet.local, undefined);
  assert.deepEqual(slept, [700]);
});

test('the percentage headers lower a header-controlled fault but never raise it above the config', async () => {
  const config = fault({ abort: { header_abort: {}, percentage: { numerator: 50 } } });
  const run = async (draw: number, pct?: string) => {
    const factory = createFaultFilterFactory({ random: draws(draw) });
    const headers: Record<string, string> = { 'x-envoy-fault-abort-request': '500' };
    if (pct !== undefined) headers['x-envoy-fault-abort-request-percentage'] = pct;
    return (await runChain([build(factory, config, NAME)], fakeStream({ headers }))).local?.status;
  };
  assert.equal(await run(0.45), 500);
  assert.equal(await run(0.45, '40'), undefined);
  assert.equal(await run(0.35, '40'), 500);
  assert.equal(await run(0.6, '100'), undefined);
});

test('upstream_cluster, headers and downstream_nodes narrow where a fault applies', async () => {
  const narrowed = (extra: Fields) => fault({ abort: { http_status: 500, percentage: ALL }, ...extra });
  const run = async (config: Fields, headers: Record<string, string> = {}) =>
    (await runChain([build(faultFilter, config, NAME)], fakeStream({ routeTable: routeTable({ cluster: 'reviews', route: { [NAME]: config } }), headers }))).local?.status;

  assert.equal(await run(narrowed({ upstream_cluster: 'reviews' })), 500);
  assert.equal(await run(narrowed({ upstream_cluster: 'ratings' })), undefined);
  const byHeader = narrowed({ headers: [{ name: 'x-user', string_match: { exact: 'jason' } }] });
  assert.equal(await run(byHeader, { 'x-user': 'jason' }), 500);
  assert.equal(await run(byHeader, { 'x-user': 'kim' }), undefined);
  assert.equal(await run(byHeader), undefined);
  const byNode = narrowed({ downstream_nodes: ['productpage'] });
  assert.equal(await run(byNode, { 'x-envoy-downstream-service-node': 'productpage' }), 500);
  assert.equal(await run(byNode, { 'x-envoy-downstream-service-node': 'other' }), undefined);
  assert.equal(await run(byNode), undefined);
});

test('max_active_faults lets no more delays start while that many are in progress', async () => {
  const releases: (() => void)[] = [];
  const factory = createFaultFilterFactory({ sleep: () => new Promise<void>((resolve) => releases.push(resolve)) });
  const config = fault({ delay: { fixed_delay: { seconds: 5 }, percentage: ALL }, max_active_faults: { value: 1 } });
  const filter = build(factory, config, NAME);
  const first = fakeStream();
  const firstRun = runChain([filter], first);
  const second = fakeStream();
  const r2 = await runChain([filter], second);
  assert.ok(!second.responseFlags.has('DI'), 'the second request is not delayed while the first is');
  assert.equal(r2.decodeStatus, 'continue');
  releases.shift()!();
  await firstRun;
  assert.ok(first.responseFlags.has('DI'));
  // With the first delay over, the next request is delayed again.
  const third = fakeStream();
  const thirdRun = runChain([filter], third);
  assert.ok(third.responseFlags.has('DI'));
  releases.shift()!();
  await thirdRun;
});

test('a client that left during the delay is not answered', async () => {
  let stream = fakeStream();
  const factory = createFaultFilterFactory({ sleep: async () => void (stream.done = true) });
  stream = perRoute(fault({ delay: { fixed_delay: { seconds: 1 }, percentage: ALL }, abort: { http_status: 500, percentage: ALL } }));
  const filter = build(factory, fault(), NAME);
  assert.equal(await filter.decodeHeaders!(stream), 'stop');
  assert.equal(stream.localReply, undefined);
});

test('a response rate limit slows the body to limit_kbps and keeps it intact', async () => {
  // 20 KiB/s releases 1 KiB per 50 ms tick: 4 KiB need at least three waits.
  const config = fault({ response_rate_limit: { fixed_limit: { limit_kbps: '20' }, percentage: ALL } });
  const stream = perRoute(config);
  const body = Buffer.alloc(4096, 'x');
  const started = performance.now();
  const r = await runChain([build(faultFilter, fault(), NAME)], stream, { status: 200, body });
  const took = performance.now() - started;
  assert.deepEqual(r.body, body);
  assert.ok(took >= 145, `took ${took} ms`);
});

test('bad fault configs are rejected with the field and the reason', () => {
  const cases: [Fields, string, RegExp][] = [
    [{ abort: { http_status: 700, percentage: ALL } }, 'abort.http_status', /\[200, 600\)/],
    [{ abort: { percentage: ALL } }, 'abort', /exactly one of http_status, grpc_status and header_abort/],
    [{ delay: { percentage: ALL } }, 'delay', /exactly one of fixed_delay and header_delay/],
    [{ delay: { fixed_delay: {}, percentage: ALL } }, 'delay.fixed_delay', /greater than 0/],
    [{ abort: { http_status: 500, percentage: { numerator: 1, denominator: 'THOUSAND' } } }, 'abort.percentage.denominator', /not one of/],
    [{ headers: [{ name: 'x', safe_regex_match: { regex: '(?=x)' } }] }, 'headers[0].safe_regex_match.regex', /RE2/],
  ];
  for (const [config, field, reason] of cases) {
    for (const check of [() => build(faultFilter, { '@type': faultFilter.typeUrl, ...config }, NAME), () => faultFilter.validatePerRoute!(config)]) {
      assert.throws(check, (err: unknown) => err instanceof FilterConfigError && err.field === field && reason.test(err.reason), JSON.stringify(config));
    }
  }
  assert.throws(() => build(faultFilter, { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' }, NAME), /expected .*HTTPFault/);
});

test('a per-route entry wrapped in envoy.config.route.v3.FilterConfig is unwrapped', async () => {
  const wrapped = typed('envoy.config.route.v3.FilterConfig', {
    config: { '@type': faultFilter.typeUrl, abort: { http_status: 502, percentage: ALL } },
  });
  const r = await runChain([build(faultFilter, fault(), NAME)], perRoute(wrapped));
  assert.equal(r.local?.status, 502);
});
