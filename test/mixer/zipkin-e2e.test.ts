// Trace spans end to end: a client calls echo through its sidecar with B3 headers; echo's sidecar
// (the real proxy, its Mixer filter put there by the real manager) Reports the request to a real
// `isthmus mixer`, whose tracespan rule hands it to the zipkin adapter, which POSTs the span to a
// Zipkin collector — a real HTTP server on loopback — with the caller's trace id. A caller that
// speaks W3C `traceparent` is traced too: its tracing sidecar writes B3 next to it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { eventually } from '../helpers/eventually.js';
import { freePorts } from '../helpers/process.js';
import { ECHO, viaProxy } from '../proxy/e2e/fixtures.js';
import { Mesh, type Sidecar } from '../proxy/e2e/mesh.js';
import { meshConfig, startMixer, type MixerProcess } from '../proxy/e2e/mixer-mesh.js';
import { docs, yaml } from './helpers.js';
import { ISTIO_TRACESPAN } from './tracespan-fixtures.js';
import { startCollector, type Collector } from './zipkin-collector.js';

let collector: Collector;
let mesh: Mesh;
let app: Backend;
let mixer: MixerProcess;
let client: Sidecar;
/** A client whose sidecar traces (reporting its own spans to the same collector) and so writes B3 from traceparent. */
let tracingClient: Sidecar;
let url: string;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

before(async () => {
  collector = await startCollector();
  app = await startHttpBackend('echo');
  const [mixerPort, echoPort] = (await freePorts(2)) as [number, number];
  const policy = docs(
    yaml.handler('zipkin', 'zipkin', { url: collector.url, flushInterval: '50ms', localServiceName: 'mesh' }),
    yaml.instance('span', 'tracespan', ISTIO_TRACESPAN),
    yaml.rule('traces', '(request.headers["x-b3-sampled"] | "1") != "0"', [{ handler: 'zipkin', instances: ['span'] }]),
  );
  mesh = await Mesh.start({ 'policy.yaml': policy, 'mesh.yaml': meshConfig(`127.0.0.1:${mixerPort}`) });
  mixer = await startMixer(mesh.dir, mixerPort);
  const echo = await mesh.sidecar({ service: 'echo', labels: { app: 'echo' }, appPort: app.port, inboundPort: echoPort, outboundPort: 0 });
  client = await mesh.sidecar({ service: 'client', labels: { app: 'client' } });
  tracingClient = await mesh.sidecar({ service: 'w3c-client', labels: { app: 'w3c-client' }, extraArgs: ['--zipkin', collector.url] });
  await echo.waitForConfig('the Mixer filter on the inbound listener', (dump) => dump.includes('isthmus.mixer.v1.HttpClientConfig'));
  url = `http://${ECHO}:${echoPort}`;
  await eventually('the client routes to echo', async () => ((await viaProxy(client, `${url}/warm-up`)).status === 200 ? true : undefined));
});

after(async () => {
  await mesh?.close();
  await mixer?.stop();
  await app?.close();
  await collector?.close();
});

test('a request with B3 headers becomes a SERVER span at the collector with its trace id, name, duration and status', async () => {
  const traceId = hex(16);
  const spanId = hex(8);
  const parentId = hex(8);
  const b3 = ['-H', `x-b3-traceid: ${traceId}`, '-H', `x-b3-spanid: ${spanId}`, '-H', `x-b3-parentspanid: ${parentId}`, '-H', 'x-b3-sampled: 1'];
  assert.equal((await viaProxy(client, `${url}/traced/ok`, b3)).status, 200);
  assert.equal((await viaProxy(client, `${url}/traced/fail?status=503`, b3)).status, 503);

  const spans = await eventually('both spans at the collector', () => {
    const mine = collector.spans.filter((s) => s.traceId === traceId);
    return mine.length >= 2 ? mine : undefined;
  });
  const ok = spans.find((s) => s.name === '/traced/ok')!;
  const fail = spans.find((s) => s.name === '/traced/fail?status=503')!;
  assert.ok(ok && fail, JSON.stringify(spans));
  for (const s of [ok, fail]) {
    assert.equal(s.kind, 'SERVER');
    assert.equal(s.id, spanId);
    assert.equal(s.parentId, parentId);
    assert.equal(s.shared, true);
    assert.ok(s.duration > 0, `duration ${s.duration}`);
    assert.ok(Number.isInteger(s.timestamp) && s.timestamp > 1e15, `timestamp in µs: ${s.timestamp}`);
    assert.equal(s.localEndpoint.serviceName, 'echo', 'destination.workload.name');
    assert.equal(s.remoteEndpoint?.serviceName, 'client', 'source.workload.name, from the caller\'s metadata exchange');
    assert.equal(s.tags['http.method'], 'GET');
  }
  assert.equal(ok.tags['http.status_code'], '200');
  assert.equal(ok.tags.error, undefined);
  assert.equal(fail.tags['http.status_code'], '503');
  assert.equal(fail.tags.error, '503');
  assert.equal(fail.tags['source.version'], '');

  const metrics = await (await fetch(`${mixer.monitoring}/metrics`)).text();
  assert.match(metrics, /isthmus_mixer_zipkin_spans_total\{handler="zipkin\.default",outcome="sent"\} \d+/);
});

test('requests without trace headers, or unsampled, send no span; the skips are counted on /metrics', async () => {
  const before = collector.spans.length;
  assert.equal((await viaProxy(client, `${url}/untraced`)).status, 200);
  assert.equal((await viaProxy(client, `${url}/unsampled`, ['-H', `x-b3-traceid: ${hex(16)}`, '-H', `x-b3-spanid: ${hex(8)}`, '-H', 'x-b3-sampled: 0'])).status, 200);
  await eventually('the untraced request counted as invalid_trace_id', async () => {
    const text = await (await fetch(`${mixer.monitoring}/metrics`)).text();
    return /isthmus_mixer_zipkin_spans_total\{handler="zipkin\.default",outcome="invalid_trace_id"\} [1-9]/.test(text) ? true : undefined;
  });
  // Reports leave the proxy in order: once a later request's span is in, theirs would be too.
  const traced = '/traced-after';
  const traceId = hex(16);
  assert.equal((await viaProxy(client, `${url}${traced}`, ['-H', `x-b3-traceid: ${traceId}`, '-H', `x-b3-spanid: ${hex(8)}`])).status, 200);
  await eventually('the later traced span', () => (collector.spans.some((s) => s.traceId === traceId) ? true : undefined));
  const names = collector.spans.slice(before).map((s) => s.name);
  assert.ok(!names.includes('/untraced') && !names.includes('/unsampled'), names.join(', '));
});

test('a traceparent request through a tracing sidecar: Mixer\'s SERVER span shares the sidecar\'s CLIENT span id', async () => {
  const traceId = hex(16);
  const callerSpan = hex(8);
  const r = await viaProxy(tracingClient, `${url}/w3c`, ['-H', `traceparent: 00-${traceId}-${callerSpan}-01`]);
  assert.equal(r.status, 200);
  const [proxySpan, mixerSpan] = await eventually('the sidecar\'s and Mixer\'s spans', () => {
    const mine = collector.spans.filter((s) => s.traceId === traceId);
    const c = mine.find((s) => s.kind === 'CLIENT');
    const m = mine.find((s) => s.kind === 'SERVER' && s.name === '/w3c');
    return c && m ? [c, m] as const : undefined;
  });
  assert.equal(proxySpan.parentId, callerSpan);
  assert.equal(mixerSpan.id, proxySpan.id, 'B3 gives the server the client span\'s id');
  assert.equal(mixerSpan.parentId, callerSpan);
  assert.equal(mixerSpan.shared, true);
  assert.equal(mixerSpan.remoteEndpoint?.serviceName, 'w3c-client');
  assert.ok(mixerSpan.duration > 0);
  assert.equal(mixerSpan.tags['http.status_code'], '200');
});
