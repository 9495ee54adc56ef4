import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corsPolicyConfig } from '../../../../src/control/translate/cors.js';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { corsFilter, createCorsFilterFactory } from '../../../../src/proxy/http/filters/cors.js';
import { faultFilter } from '../../../../src/proxy/http/filters/fault.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { build, fakeStream, routeTable, runChain } from './fake-stream.js';
import { typed } from './typed.js';

const NAME = 'envoy.filters.http.cors';
const CORS = typed('envoy.extensions.filters.http.cors.v3.Cors');
const policy = (fields: Fields) => typed('envoy.extensions.filters.http.cors.v3.CorsPolicy', fields);

/** What the control plane emits for a VirtualService corsPolicy, as the proxy decodes it. */
function emitted(c: Parameters<typeof corsPolicyConfig>[0]): Fields {
  const { '@type': _t, ...fields } = corsPolicyConfig(c)!;
  return policy(fields);
}

const ISTIO_POLICY = emitted({
  allowOrigins: [{ exact: 'https://app.example' }],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['x-token', 'content-type'],
  exposeHeaders: ['x-trace'],
  maxAge: '24h',
  allowCredentials: true,
});

function streamFor(p: Fields, o: { method?: string; headers?: Record<string, string>; path?: string } = {}) {
  return fakeStream({ routeTable: routeTable({ route: { [NAME]: p } }), ...o });
}

const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', ...extra },
});

test('a preflight from an allowed origin is answered here with the policy', async () => {
  const stream = streamFor(ISTIO_POLICY, preflight('https://app.example'));
  const r = await runChain([build(corsFilter, CORS, NAME)], stream);
  assert.equal(r.decodeStatus, 'stop');
  assert.equal(r.local?.status, 200);
  assert.equal(r.local?.details, 'cors_response');
  assert.deepEqual(r.head?.headers, {
    'access-control-allow-origin': 'https://app.example',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,POST',
    'access-control-allow-headers': 'x-token,content-type',
    'access-control-max-age': '86400',
    'access-control-expose-headers': 'x-trace',
  });
});

test('an ordinary request from an allowed origin gets the allow headers on its response', async () => {
  const filter = build(corsFilter, CORS, NAME);
  const r = await runChain([filter], streamFor(ISTIO_POLICY, { headers: { origin: 'https://app.example' } }), { status: 200, headers: { 'content-type': 'text/plain' } });
  assert.equal(r.decodeStatus, 'continue');
  assert.deepEqual(r.head?.headers, {
    'content-type': 'text/plain',
    'access-control-allow-origin': 'https://app.example',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-trace',
  });
  for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
    const other = await runChain([filter], streamFor(ISTIO_POLICY, { headers }), { status: 200, headers: {} });
    assert.deepEqual(other.head?.headers, {}, JSON.stringify(headers));
  }
});

test('a preflight from an origin that is not allowed goes upstream, unless unmatchedPreflights is IGNORE', async () => {
  const filter = build(corsFilter, CORS, NAME);
  const forwarded = await runChain([filter], streamFor(ISTIO_POLICY, preflight('https://evil.example')), { status: 204 });
  assert.equal(forwarded.decodeStatus, 'continue');
  assert.equal(forwarded.local, undefined);

  const ignore = emitted({ allowOrigins: [{ exact: 'https://app.example' }], allowMethods: ['GET'], unmatchedPreflights: 'IGNORE' });
  const answered = await runChain([filter], streamFor(ignore, preflight('https://evil.example')));
  assert.equal(answered.local?.status, 200);
  assert.equal(answered.head?.headers['access-control-allow-origin'], undefined);
  assert.equal(answered.head?.headers['access-control-allow-methods'], 'GET');
});

test('origins match by exact, prefix, suffix, contains and RE2 regex; a "*" origin allows all', async () => {
  const filter = build(corsFilter, CORS, NAME);
  const allowed = async (matcher: Fields, origin: string) => {
    const r = await runChain([filter], streamFor(policy({ allow_origin_string_match: [matcher] }), { headers: { origin } }));
    return r.head?.headers['access-control-allow-origin'] === origin;
  };
  assert.equal(await allowed({ exact: 'https://a.example' }, 'https://a.example'), true);
  assert.equal(await allowed({ exact: 'https://a.example' }, 'https://A.example'), false);
  assert.equal(await allowed({ exact: 'https://a.example', ignore_case: true }, 'https://A.example'), true);
  assert.equal(await allowed({ prefix: 'https://' }, 'https://b.example'), true);
  assert.equal(await allowed({ suffix: '.example' }, 'http://c.example'), true);
  assert.equal(await allowed({ contains: 'corp' }, 'https://x.corp.example'), true);
  assert.equal(await allowed({ safe_regex: { regex: 'https://[a-z]+\\.example' } }, 'https://d.example'), true);
  assert.equal(await allowed({ safe_regex: { regex: 'https://[a-z]+\\.example' } }, 'https://d.example.evil'), false);
  // Istio's allowOrigin: ["*"] becomes prefix "" — and an exact "*" matcher allows every origin too.
  const star = emitted({ allowOrigin: ['*'] });
  const r = await runChain([filter], streamFor(star, { headers: { origin: 'https://anything.example' } }));
  assert.equal(r.head?.headers['access-control-allow-origin'], 'https://anything.example');
  assert.equal(await allowed({ exact: '*' }, 'https://e.example'), true);
});

test('"*" methods and headers echo what the preflight asks for', async () => {
  const p = policy({ allow_origin_string_match: [{ prefix: '' }], allow_methods: '*', allow_headers: '*' });
  const r = await runChain([build(corsFilter, CORS, NAME)], streamFor(p, preflight('https://a.example', { 'access-control-request-headers': 'x-one, x-two' })));
  assert.equal(r.head?.headers['access-control-allow-methods'], 'POST');
  assert.equal(r.head?.headers['access-control-allow-headers'], 'x-one, x-two');
});

test('each setting comes from the most specific level that sets it', async () => {
  const table = routeTable({
    vhost: { [NAME]: policy({ allow_origin_string_match: [{ exact: 'https://app.example' }], expose_headers: 'x-vhost', allow_methods: 'GET' }) },
    route: { [NAME]: policy({ allow_methods: 'PUT', allow_credentials: { value: true } }) },
  });
  const filter = build(corsFilter, CORS, NAME);
  const pre = await runChain([filter], fakeStream({ routeTable: table, ...preflight('https://app.example') }));
  assert.equal(pre.head?.headers['access-control-allow-origin'], 'https://app.example');
  assert.equal(pre.head?.headers['access-control-allow-methods'], 'PUT');
  assert.equal(pre.head?.headers['access-control-allow-credentials'], 'true');
  assert.equal(pre.head?.headers['access-control-expose-headers'], 'x-vhost');
  // Only the route table carries a policy: it applies.
  const tableOnly = routeTable({ table: { [NAME]: policy({ allow_origin_string_match: [{ prefix: '' }] }) } });
  const r = await runChain([filter], fakeStream({ routeTable: tableOnly, headers: { origin: 'https://z.example' } }));
  assert.equal(r.head?.headers['access-control-allow-origin'], 'https://z.example');
});

test('without per-route entries, the deprecated route and virtual host `cors` fields apply', async () => {
  const table = routeTable({ routes: [{ match: { prefix: '/' }, route: { cluster: 'backend', cors: { allow_origin_string_match: [{ exact: 'https://old.example' }], expose_headers: 'x-old' } } }] });
  const r = await runChain([build(corsFilter, CORS, NAME)], fakeStream({ routeTable: table, headers: { origin: 'https://old.example' } }));
  assert.equal(r.head?.headers['access-control-allow-origin'], 'https://old.example');
  assert.equal(r.head?.headers['access-control-expose-headers'], 'x-old');
});

test('filter_enabled decides per request; shadow_enabled evaluates without enforcing', async () => {
  const p = (extra: Fields) => policy({ allow_origin_string_match: [{ prefix: '' }], ...extra });
  const origin = { headers: { origin: 'https://a.example' } };
  const run = async (config: Fields, random = Math.random) => {
    const r = await runChain([build(createCorsFilterFactory({ random }), CORS, NAME)], streamFor(config, origin));
    return r.head?.headers['access-control-allow-origin'];
  };
  const off = { filter_enabled: { default_value: { numerator: 0 } } };
  assert.equal(await run(p(off)), undefined);
  assert.equal(await run(p({ ...off, shadow_enabled: { default_value: { numerator: 100 } } })), undefined);
  const half = { filter_enabled: { default_value: { numerator: 50 } } };
  assert.equal(await run(p(half), () => 0.2), 'https://a.example');
  assert.equal(await run(p(half), () => 0.7), undefined);
});

test('routes that do not forward (direct responses, redirects) are left alone', async () => {
  const table = routeTable({ routes: [{ match: { prefix: '/' }, direct_response: { status: 200 }, typed_per_filter_config: { [NAME]: ISTIO_POLICY } }] });
  const r = await runChain([build(corsFilter, CORS, NAME)], fakeStream({ routeTable: table, ...preflight('https://app.example') }));
  assert.equal(r.local, undefined);
});

test('a local reply from a later filter still carries the CORS headers', async () => {
  const faultName = 'envoy.filters.http.fault';
  const abort = typed('envoy.extensions.filters.http.fault.v3.HTTPFault', { abort: { http_status: 503, percentage: { numerator: 100 } } });
  const table = routeTable({ route: { [NAME]: ISTIO_POLICY, [faultName]: abort } });
  const chain = [build(corsFilter, CORS, NAME), build(faultFilter, typed('envoy.extensions.filters.http.fault.v3.HTTPFault'), faultName)];
  const r = await runChain(chain, fakeStream({ routeTable: table, headers: { origin: 'https://app.example' } }));
  assert.equal(r.head?.status, 503);
  assert.equal(r.head?.headers['access-control-allow-origin'], 'https://app.example');
});

test('bad CORS policies are rejected with the field and the reason', () => {
  const cases: [Fields, string, RegExp][] = [
    [{ allow_origin_string_match: [{ safe_regex: { regex: '(a' } }] }, 'allow_origin_string_match[0].safe_regex.regex', /RE2/],
    [{ allow_origin_string_match: [{ exact: 'a', prefix: 'b' }] }, 'allow_origin_string_match[0]', /exactly one/],
    [{ filter_enabled: {} }, 'filter_enabled.default_value', /required/],
    [{ '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' }, '@type', /expected .*CorsPolicy/],
  ];
  for (const [config, field, reason] of cases) {
    assert.throws(() => corsFilter.validatePerRoute!(config), (e: unknown) => e instanceof FilterConfigError && e.field === field && reason.test(e.reason), JSON.stringify(config));
  }
  assert.doesNotThrow(() => corsFilter.validatePerRoute!(ISTIO_POLICY));
});
