// Resilience end to end: a real control plane, a real client sidecar (HTTP-proxy mode, JSON
// access log) and scripted loopback backends that fail on cue. VirtualService retries and
// timeouts, DestinationRule outlier detection and connection-pool circuit breaking, and the
// local replies for dead or missing endpoints are checked from the client's side (status,
// headers), the backend's side (what it received) and the access log's response flags.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CurlResult } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { accessLogEntry, flagsOf } from './access-log.js';
import { freePorts, viaProxy } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';
import { destinationRule, loopbackServiceEntry, resource } from './resources.js';
import { OK, failEveryOther, startScriptedBackend, type Reply, type Script, type ScriptedBackend } from './scripted-backend.js';

const FLAKY = 'flaky.default.svc.cluster.local';
const PAIR = 'pair.default.svc.cluster.local';
const OUTLIER = 'outlier.default.svc.cluster.local';
const LIMITED = 'limited.default.svc.cluster.local';
const url = (host: string, path: string) => `http://${host}:8080${path}`;

/** Each retryOn condition, the failure the backend gives on every first try, and its path prefix. */
const RETRY_CASES: { retryOn: string; prefix: string; failure: Reply }[] = [
  { retryOn: '5xx', prefix: '/5xx/', failure: { kind: 'answer', status: 500 } },
  { retryOn: 'gateway-error', prefix: '/gateway-error/', failure: { kind: 'answer', status: 502 } },
  { retryOn: 'retriable-4xx', prefix: '/retriable-4xx/', failure: { kind: 'answer', status: 409 } },
  { retryOn: 'reset', prefix: '/reset/', failure: { kind: 'hang-up' } },
  // Istio's way to name codes: bare numbers beside retriable-status-codes.
  { retryOn: 'retriable-status-codes,418', prefix: '/status-codes/', failure: { kind: 'answer', status: 418 } },
];

/** The flaky backend's behaviour, by path prefix. */
const FLAKY_SCRIPT: Script = (r) => {
  const retryCase = RETRY_CASES.find((c) => r.path.startsWith(c.prefix));
  if (retryCase) return failEveryOther(retryCase.failure)(r);
  if (r.path.startsWith('/exhausted/')) return { kind: 'answer', status: 503 };
  if (r.path.startsWith('/not-retried/')) return { kind: 'answer', status: 500 };
  // A first try that would take 5 s; the retry answers at once.
  if (r.path.startsWith('/per-try/')) return r.nth === 1 ? { kind: 'answer', delayMs: 5000 } : OK;
  if (r.path.startsWith('/timeout/') || r.path.startsWith('/grpc/')) return { kind: 'answer', delayMs: 5000 };
  return OK;
};

function retryRoute(prefix: string, retries: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: prefix.replaceAll('/', '') || 'default', match: [{ uri: { prefix } }], retries, ...extra, route: [{ destination: { host: FLAKY } }] };
}

const FLAKY_ROUTES = resource('VirtualService', 'flaky', {
  hosts: [FLAKY],
  http: [
    ...RETRY_CASES.map((c) => retryRoute(c.prefix, { attempts: 3, retryOn: c.retryOn })),
    retryRoute('/exhausted/', { attempts: 3, retryOn: '5xx' }),
    retryRoute('/not-retried/', { attempts: 3, retryOn: 'connect-failure' }),
    retryRoute('/per-try/', { attempts: 2, perTryTimeout: '200ms', retryOn: 'gateway-error' }),
    retryRoute('/timeout/', { attempts: 0 }, { timeout: '200ms' }),
    // A long route timeout: the gRPC client's shorter grpc-timeout must win.
    retryRoute('/grpc/', { attempts: 0 }, { timeout: '10s' }),
    { name: 'ghost', match: [{ uri: { prefix: '/ghost/' } }], route: [{ destination: { host: FLAKY, subset: 'ghost' } }] },
    { name: 'default', route: [{ destination: { host: FLAKY } }] },
  ],
});

/** A dead endpoint and a live one, taken in turn; retries on connect failure, except under /no-retry/. */
const PAIR_ROUTES = resource('VirtualService', 'pair', {
  hosts: [PAIR],
  http: [
    { name: 'no-retry', match: [{ uri: { prefix: '/no-retry/' } }], retries: { attempts: 0 }, route: [{ destination: { host: PAIR } }] },
    { name: 'retry', retries: { attempts: 3, retryOn: 'connect-failure' }, route: [{ destination: { host: PAIR } }] },
  ],
});

let mesh: Mesh;
let client: Sidecar;
let logDir: string;
let accessLog: string;
let flaky: ScriptedBackend;
let broken: ScriptedBackend;
let gate: ScriptedBackend;
let deadPort: number;

before(async () => {
  [flaky, broken, gate] = await Promise.all([
    startScriptedBackend('flaky', FLAKY_SCRIPT),
    startScriptedBackend('broken', () => ({ kind: 'answer', status: 500 })),
    startScriptedBackend('gate', () => ({ kind: 'hold' })),
  ]);
  // Nothing listens there: connections are refused.
  [deadPort] = (await freePorts(1)) as [number];
  mesh = await Mesh.start({
    'flaky.yaml': loopbackServiceEntry('flaky', FLAKY, [{ port: flaky.port, labels: { version: 'v1' } }]),
    // The ghost subset selects no endpoint.
    'flaky-dr.yaml': resource('DestinationRule', 'flaky', { host: FLAKY, subsets: [{ name: 'ghost', labels: { version: 'ghost' } }] }),
    'flaky-vs.yaml': FLAKY_ROUTES,
    'pair.yaml': loopbackServiceEntry('pair', PAIR, [{ port: deadPort }, { port: flaky.port }]),
    'pair-dr.yaml': destinationRule('pair', PAIR, { loadBalancer: { simple: 'ROUND_ROBIN' } }),
    'pair-vs.yaml': PAIR_ROUTES,
    'outlier.yaml': loopbackServiceEntry('outlier', OUTLIER, [{ port: flaky.port }, { port: broken.port }]),
    'outlier-dr.yaml': destinationRule('outlier', OUTLIER, {
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
    }),
    'limited.yaml': loopbackServiceEntry('limited', LIMITED, [{ port: gate.port }]),
    'limited-dr.yaml': destinationRule('limited', LIMITED, {
      connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } },
    }),
  });
  // Outside the control plane's config directory, which it watches.
  logDir = await mkdtemp(join(tmpdir(), 'isthmus-resilience-'));
  accessLog = join(logDir, 'client-access.log');
  client = await mesh.sidecar({ service: 'client', extraArgs: ['--access-log', accessLog, '--access-log-format', 'json'] });
});

after(async () => {
  gate?.release();
  await mesh?.close();
  await Promise.all([flaky?.close(), broken?.close(), gate?.close()]);
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

/** Requests the backend received for exactly this path. */
const triesOf = (b: ScriptedBackend, path: string) => b.requests.filter((r) => r.path === path).length;

test('retries (attempts: 3) hide a backend that fails every first try, for each retryOn condition', async () => {
  for (const c of RETRY_CASES) {
    for (let i = 0; i < 3; i++) {
      const path = `${c.prefix}${i}`;
      const r = await viaProxy(client, url(FLAKY, path));
      assert.equal(r.status, 200, `retryOn ${c.retryOn}, ${path}: ${r.status} ${r.body} ${r.stderr}`);
      assert.equal(r.headers['x-backend'], 'flaky');
      assert.equal(triesOf(flaky, path), 2, `retryOn ${c.retryOn}: the backend saw the failed try and the retry`);
    }
  }
});

test('a failure the retryOn list does not name is returned without a retry', async () => {
  const path = '/not-retried/1';
  const r = await viaProxy(client, url(FLAKY, path));
  assert.equal(r.status, 500);
  assert.equal(triesOf(flaky, path), 1);
});

test('retries exhausted: the last 503 goes back, flagged URX', async () => {
  const path = '/exhausted/1';
  const r = await viaProxy(client, url(FLAKY, path));
  assert.equal(r.status, 503);
  assert.equal(r.headers['x-backend'], 'flaky', 'the upstream answer, not a local reply');
  assert.equal(triesOf(flaky, path), 4, 'one try and three retries');
  const entry = await accessLogEntry(accessLog, path);
  assert.equal(entry.response_code, 503);
  assert.ok(flagsOf(entry).has('URX'), `response_flags ${entry.response_flags}`);
});

test('perTryTimeout: a slow first try is abandoned after 200 ms and the retry answers', async () => {
  const path = '/per-try/1';
  const started = Date.now();
  const r = await viaProxy(client, url(FLAKY, path));
  const elapsed = Date.now() - started;
  assert.equal(r.status, 200, `${r.body} ${r.stderr}`);
  assert.equal(triesOf(flaky, path), 2);
  assert.ok(elapsed >= 200, `took ${elapsed} ms`);
  // Without the per-try timeout the first try alone would take 5 s.
  assert.ok(elapsed < 4000, `took ${elapsed} ms`);
});

test('route timeout (200ms): 504 flagged UT, after at least 200 ms', async () => {
  const path = '/timeout/1';
  const started = Date.now();
  const r = await viaProxy(client, url(FLAKY, path));
  const elapsed = Date.now() - started;
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  assert.ok(elapsed >= 200, `took ${elapsed} ms`);
  assert.ok(elapsed < 4000, `took ${elapsed} ms (the backend answers after 5 s)`);
  const entry = await accessLogEntry(accessLog, path);
  assert.ok(flagsOf(entry).has('UT'), `response_flags ${entry.response_flags}`);
});

test('a gRPC request\'s grpc-timeout (300m) replaces the longer route timeout (10s)', async () => {
  const path = '/grpc/1';
  const started = Date.now();
  const r = await viaProxy(client, url(FLAKY, path), [
    '-X', 'POST', '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-H', 'grpc-timeout: 300m', '--data-binary', '@-',
  ]);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 300, `took ${elapsed} ms`);
  assert.ok(elapsed < 4000, `took ${elapsed} ms: the 10 s route timeout or the 5 s backend ended it`);
  // A local reply to gRPC is a trailers-only response; Envoy maps the 504 to UNAVAILABLE.
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['grpc-status'], '14');
  const entry = await accessLogEntry(accessLog, path);
  assert.ok(flagsOf(entry).has('UT'), `response_flags ${entry.response_flags}`);
});

test('connect-failure retries move off a dead endpoint: every request succeeds', async () => {
  for (let i = 0; i < 8; i++) {
    const path = `/cf/${i}`;
    const r = await viaProxy(client, url(PAIR, path));
    assert.equal(r.status, 200, `${path}: ${r.body}`);
    assert.equal(triesOf(flaky, path), 1);
  }
});

test('without retries the dead endpoint answers 503 flagged UF; the live one 200', async () => {
  const results: { path: string; r: CurlResult }[] = [];
  // ROUND_ROBIN over the two: alternate requests meet the dead endpoint.
  for (let i = 0; i < 6; i++) {
    const path = `/no-retry/${i}`;
    results.push({ path, r: await viaProxy(client, url(PAIR, path)) });
  }
  const statuses = results.map((x) => x.r.status).join(' ');
  const failed = results.filter((x) => x.r.status === 503);
  assert.ok(failed.length >= 1, statuses);
  assert.ok(results.some((x) => x.r.status === 200), statuses);
  assert.equal(failed.length + results.filter((x) => x.r.status === 200).length, results.length, statuses);
  const { path, r } = failed[0]!;
  assert.match(r.body, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
  const entry = await accessLogEntry(accessLog, path);
  assert.ok(flagsOf(entry).has('UF'), `response_flags ${entry.response_flags}`);
  assert.equal(entry.upstream_host, `127.0.0.1:${deadPort}`);
});

test('a subset without endpoints answers 503 "no healthy upstream" flagged UH', async () => {
  const path = '/ghost/1';
  const r = await viaProxy(client, url(FLAKY, path));
  assert.equal(r.status, 503);
  assert.equal(r.body, 'no healthy upstream');
  assert.equal(triesOf(flaky, path), 0);
  const entry = await accessLogEntry(accessLog, path);
  assert.ok(flagsOf(entry).has('UH'), `response_flags ${entry.response_flags}`);
});

test('outlier detection ejects the endpoint that answered 5xx; traffic then goes to the healthy one only', async () => {
  let n = 0;
  // Until the balancer has sent one request to the broken endpoint (its 500 ejects it at once).
  await eventually('the broken endpoint answered once', async () => {
    await viaProxy(client, url(OUTLIER, `/od/warm-${n++}`));
    return broken.requests.length > 0 ? true : undefined;
  });
  const ejected = `outbound|8080||${OUTLIER}::127.0.0.1:${broken.port}::health_flags::/failed_outlier_check`;
  await eventually('/clusters shows the ejection', async () => ((await (await client.admin('/clusters')).text()).includes(ejected) ? true : undefined));
  const clusters = await (await client.admin('/clusters')).text();
  assert.ok(clusters.includes(`outbound|8080||${OUTLIER}::127.0.0.1:${flaky.port}::health_flags::healthy`), clusters);
  const brokenSeen = broken.requests.length;
  for (let i = 0; i < 20; i++) {
    const r = await viaProxy(client, url(OUTLIER, `/od/after-${i}`));
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'flaky');
  }
  assert.equal(broken.requests.length, brokenSeen, 'the ejected endpoint got nothing more');
});

test('circuit breaking (maxConnections 1, http1MaxPendingRequests 1): the overflow gets 503 x-envoy-overloaded', async () => {
  const done: CurlResult[] = [];
  const all = Array.from({ length: 10 }, (_, i) => viaProxy(client, url(LIMITED, `/cb/${i}`)).then((r) => {
    done.push(r);
    return r;
  }));
  // The gate holds the one request on the one connection; one more waits as pending; the rest
  // must be refused while those two are held.
  let waited: Error | undefined;
  await eventually('eight requests refused', () => (done.length >= 8 ? true : undefined)).catch((e: Error) => (waited = e));
  const heldAtBackend = gate.held;
  gate.script = () => OK;
  gate.release();
  const results = await Promise.all(all);
  const statuses = results.map((r) => r.status).join(' ');
  assert.equal(waited, undefined, `${waited?.message}; statuses ${statuses}`);
  assert.equal(heldAtBackend, 1, 'one request on the one connection');
  const overloaded = results.filter((r) => r.status === 503);
  assert.equal(overloaded.length, 8, statuses);
  for (const r of overloaded) assert.equal(r.headers['x-envoy-overloaded'], 'true');
  assert.equal(results.filter((r) => r.status === 200).length, 2, statuses);
  assert.equal(gate.requests.length, 2, 'the refused requests never reached the backend');
  const refusedPath = `/cb/${results.findIndex((r) => r.status === 503)}`;
  const entry = await accessLogEntry(accessLog, refusedPath);
  assert.ok(flagsOf(entry).has('UO'), `response_flags ${entry.response_flags}`);
});

test('a client that gives up takes its upstream request with it: the held request is closed at the backend', async () => {
  gate.script = () => ({ kind: 'hold' });
  const gaveUp = viaProxy(client, url(LIMITED, '/given-up'), ['--max-time', '1']);
  await eventually('the request is held at the backend', () => (gate.held === 1 ? true : undefined));
  const r = await gaveUp;
  assert.equal(r.status, 0, 'curl gave up before any answer');
  // Without cancellation the held request (and its connection, the cluster's only one) would stay.
  await eventually('the proxy closed the upstream request', () => (gate.held === 0 ? true : undefined));
  gate.script = () => OK;
  assert.equal((await viaProxy(client, url(LIMITED, '/after-give-up'))).status, 200);
});
