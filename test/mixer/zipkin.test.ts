// The zipkin adapter on its own: tracespan fields to Zipkin v2 spans (ids, kinds, µs times,
// endpoints, string tags, Istio's client span id rewrite), sampling by trace id, and batches
// POSTed to a real HTTP collector on loopback — by size, by time, on close — with 4xx dropped at
// once, 5xx tried twice, and every outcome counted on Mixer's registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadText } from '../../src/api/index.js';
import { adapterNamed, Duration, type Instance } from '../../src/mixer/index.js';
import { ipBytes as ip } from '../../src/mixer/expr/values.js';
import { derivedSpanId, toZipkinSpan, traceSampled, type ZipkinSpan } from '../../src/mixer/adapters/zipkin/span.js';
import { collectorUrl, createZipkin, SPANS_METRIC } from '../../src/mixer/adapters/zipkin/zipkin.js';
import type { TraceSpanFields } from '../../src/mixer/templates/tracespan.js';
import { eventually } from '../helpers/eventually.js';
import { docs, yaml } from './helpers.js';
import { startCollector } from './zipkin-collector.js';

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const PARENT = '0020000000000001';
const START = new Date('2024-05-01T10:00:00.000Z');
const END = new Date('2024-05-01T10:00:00.250Z');

const fields = (over: Partial<TraceSpanFields> = {}): TraceSpanFields => ({ traceId: TRACE, spanId: SPAN, parentSpanId: PARENT, spanName: '/reviews/1', startTime: START, endTime: END, ...over });
const convert = (over: Partial<TraceSpanFields> = {}) => toZipkinSpan(fields(over), { localServiceName: 'mesh' });
const spanOf = (over: Partial<TraceSpanFields> = {}): ZipkinSpan => {
  const r = convert(over);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  return r.span;
};
const instance = (over: Partial<TraceSpanFields> = {}): Instance => ({ name: 'span', namespace: 'default', template: 'tracespan', fields: fields(over) as unknown as Instance['fields'] });
const hexOf = (i: number, len: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, len);

function env(registry = new Registry(), lines: string[] = []) {
  return { handler: 'zipkin.default', registry, log: (l: string) => void lines.push(l), now: Date.now };
}

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await registry.getSingleMetric(SPANS_METRIC)!.get()).values) out[String(v.labels.outcome)] = v.value;
  return out;
}

test('a server span: ids, SERVER kind sharing the caller\'s id, µs times, endpoints, string tags', () => {
  const span = spanOf({
    traceId: TRACE.toUpperCase(), httpStatusCode: 503, destinationName: 'reviews-v1', destinationIp: ip('10.0.0.2'),
    sourceName: 'productpage-v1', sourceIp: ip('10.0.0.1'), requestSize: 12, responseTotalSize: 340, apiProtocol: 'http',
    spanTags: { 'http.method': 'GET', attempts: 2, latency: new Duration(250), 'peer.ip': ip('fd00::1')!, ok: false },
  });
  assert.deepEqual(span, {
    traceId: TRACE, id: SPAN, parentId: PARENT, name: '/reviews/1', kind: 'SERVER',
    timestamp: START.getTime() * 1000, duration: 250_000,
    localEndpoint: { serviceName: 'reviews-v1', ipv4: '10.0.0.2' },
    remoteEndpoint: { serviceName: 'productpage-v1', ipv4: '10.0.0.1' },
    tags: {
      'http.method': 'GET', attempts: '2', latency: '250ms', 'peer.ip': 'fd00:0:0:0:0:0:0:1', ok: 'false',
      'request.size': '12', 'response.total_size': '340', 'api.protocol': 'http', 'http.status_code': '503', error: '503',
    },
    shared: true,
  });
});

test('a client span is the source\'s; a missing local name falls back; unspecified addresses are left out', () => {
  const span = spanOf({ clientSpan: true, destinationName: 'reviews-v1', sourceIp: ip('0.0.0.0'), httpStatusCode: 200, spanName: '' });
  assert.equal(span.kind, 'CLIENT');
  assert.equal(span.shared, undefined);
  assert.equal(span.name, undefined);
  assert.deepEqual(span.localEndpoint, { serviceName: 'mesh' });
  assert.deepEqual(span.remoteEndpoint, { serviceName: 'reviews-v1' });
  assert.deepEqual(span.tags, { 'http.status_code': '200' });
});

test('rewriteClientSpanId: the client span takes a derived id and the server span names it as parent', () => {
  const client = spanOf({ clientSpan: true, rewriteClientSpanId: true });
  const server = spanOf({ clientSpan: false, rewriteClientSpanId: true });
  assert.equal(client.id, derivedSpanId(SPAN));
  assert.match(client.id, /^[0-9a-f]{16}$/);
  assert.notEqual(client.id, SPAN);
  assert.equal(client.parentId, PARENT);
  assert.equal(server.id, SPAN);
  assert.equal(server.parentId, client.id);
  assert.equal(server.shared, undefined, 'the two spans no longer share an id');
});

test('malformed or empty ids skip the span with a reason; a malformed parent only loses the parent', () => {
  for (const traceId of ['', 'xyz', '463ac35c9f6413a', '0000000000000000', `${TRACE}00`]) {
    const r = convert({ traceId });
    assert.equal(r.ok ? 'ok' : r.reason, 'invalid_trace_id', traceId);
  }
  for (const spanId of ['', '0000000000000000', 'a2fb4a1d1a96d31', TRACE, 'a2fb4a1d1a96d31g']) {
    const r = convert({ spanId });
    assert.equal(r.ok ? 'ok' : r.reason, 'invalid_span_id', spanId);
  }
  assert.equal(spanOf({ traceId: TRACE.slice(16) }).traceId, TRACE.slice(16), '16 hex digits is a valid trace id');
  assert.equal(spanOf({ parentSpanId: 'not-hex' }).parentId, undefined);
  assert.equal(spanOf({ parentSpanId: '' }).parentId, undefined);
  assert.equal(spanOf({ parentSpanId: SPAN }).parentId, undefined, 'a span is not its own parent');
});

test('a span shorter than the attributes\' millisecond precision lasts 1 µs, never 0', () => {
  assert.equal(spanOf({ endTime: START }).duration, 1);
  assert.equal(spanOf({ endTime: new Date(START.getTime() - 5) }).duration, 1);
});

test('sampling is decided by trace id alone, at about the asked rate', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => hexOf(i, 32));
  const kept = ids.filter((id) => traceSampled(id, 0.25)).length / ids.length;
  assert.ok(kept > 0.2 && kept < 0.3, `kept ${kept}`);
  assert.ok(ids.every((id) => traceSampled(id, 0.25) === traceSampled(id, 0.25)));
  assert.ok(ids.every((id) => traceSampled(id, 1) && !traceSampled(id, 0)));
  // A trace kept at a rate stays kept at every higher rate: raising sampleProbability never loses traces.
  assert.ok(ids.filter((id) => traceSampled(id, 0.25)).every((id) => traceSampled(id, 0.5)));
});

test('a full batch is POSTed at once, the rest on close(); invalid and unsampled spans are counted', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const registry = new Registry();
  const adapter = createZipkin({ url: collector.url, maxBatchSize: 3, flushInterval: '1m' }, env(registry));
  t.after(() => adapter.close?.());
  const result = adapter.report!([instance({ spanId: hexOf(1, 16) }), instance({ spanId: hexOf(2, 16) }), instance({ traceId: '' }), instance({ spanId: hexOf(3, 16) }), instance({ spanId: hexOf(4, 16) })]);
  assert.equal(result, undefined, 'report does not wait for the collector');
  await eventually('the full batch', () => (collector.spans.length === 3 ? true : undefined));
  assert.deepEqual(collector.posts.map((p) => p.count), [3]);
  await adapter.close!();
  assert.deepEqual(collector.posts.map((p) => p.count), [3, 1]);
  assert.deepEqual(collector.spans.map((s) => s.id), [1, 2, 3, 4].map((i) => hexOf(i, 16)));
  assert.deepEqual(await outcomes(registry), { sent: 4, invalid_trace_id: 1 });

  const sampled = createZipkin({ url: collector.url, sampleProbability: 0 }, env(registry));
  sampled.report!([instance(), instance()]);
  await sampled.close!();
  assert.equal((await outcomes(registry)).not_sampled, 2, 'handlers share the counter, labelled by handler');
});

test('a partial batch goes out after flushInterval; a URL without a path gets /api/v2/spans', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const adapter = createZipkin({ url: collector.url.replace('/api/v2/spans', ''), flushInterval: '20ms' }, env());
  t.after(() => adapter.close?.());
  adapter.report!([instance(), instance({ spanId: hexOf(5, 16) })]);
  await eventually('the partial batch', () => (collector.spans.length === 2 ? true : undefined));
  assert.deepEqual(collector.posts.map((p) => [p.path, p.count]), [['/api/v2/spans', 2]]);
  assert.equal(collectorUrl('http://zipkin:9411'), 'http://zipkin:9411/api/v2/spans');
  assert.equal(collectorUrl('http://jaeger:9411/custom/path'), 'http://jaeger:9411/custom/path');
});

test('4xx is dropped without a retry; 5xx is tried once more; a dead collector costs only a log line', async (t) => {
  const collector = await startCollector();
  t.after(() => collector.close());
  const registry = new Registry();
  const lines: string[] = [];
  const adapter = createZipkin({ url: collector.url, maxBatchSize: 1 }, env(registry, lines));
  collector.answer = [400];
  adapter.report!([instance()]);
  await eventually('the 4xx counted', async () => ((await outcomes(registry)).rejected === 1 ? true : undefined));
  assert.deepEqual(collector.posts.map((p) => p.status), [400]);
  assert.match(lines.join('\n'), /zipkin\.default: zipkin http:\/\/127\.0\.0\.1:\d+\/api\/v2\/spans: dropped 1 span\(s\): HTTP 400 refused with 400/);

  collector.answer = [503];
  adapter.report!([instance({ spanId: hexOf(6, 16) })]);
  await eventually('the retried span', () => (collector.spans.length === 1 ? true : undefined));
  assert.deepEqual(collector.posts.map((p) => p.status), [400, 503, 202]);

  collector.answer = [500, 502];
  adapter.report!([instance({ spanId: hexOf(7, 16) })]);
  await eventually('two failures counted', async () => ((await outcomes(registry)).send_failed === 1 ? true : undefined));
  assert.deepEqual(collector.posts.map((p) => p.status), [400, 503, 202, 500, 502]);
  await adapter.close!();

  await collector.close();
  const dead = createZipkin({ url: collector.url, maxBatchSize: 1 }, env(registry, lines));
  dead.report!([instance({ spanId: hexOf(8, 16) })]);
  await dead.close!();
  assert.equal((await outcomes(registry)).send_failed, 2);
  assert.match(lines.at(-1)!, /dropped 1 span\(s\) after 2 attempts: .*ECONNREFUSED|connect/i);
});

test('handler params: the catalog has zipkin for tracespan; bad params name the field and the fix', () => {
  assert.deepEqual(adapterNamed('zipkin')?.templates, ['tracespan']);
  const r = loadText(docs(
    yaml.handler('z1', 'zipkin', { url: 'zipkin:9411', sampleProbability: 1.5 }),
    yaml.handler('z2', 'zipkin', { url: 'http://zipkin:9411/api/v2/spans', flushInterval: '1x', maxBatchSize: 0, localServicename: 'a' }),
    yaml.handler('z3', 'zipkin', { sampleProbability: 0.1 }),
    yaml.handler('ok', 'zipkin', { url: 'http://zipkin:9411/api/v2/spans', sampleProbability: 0.1, maxBatchSize: 50, flushInterval: '500ms', localServiceName: 'mesh' }),
  ), 'zipkin.yaml');
  const msgs = r.errors.map((e) => `${e.path}: ${e.problem} ${e.hint}`);
  const has = (re: RegExp) => assert.ok(msgs.some((m) => re.test(m)), `${re}\n${msgs.join('\n')}`);
  has(/^spec\.params\.url: "zipkin:9411" is not an http or https URL use the collector's v2 endpoint, e\.g\. http:\/\/zipkin\.istio-system:9411\/api\/v2\/spans/);
  has(/^spec\.params\.sampleProbability:/);
  has(/^spec\.params\.flushInterval: "1x" is not a duration/);
  has(/^spec\.params\.maxBatchSize:/);
  has(/^spec\.params\.localServicename: unknown field .*localServiceName/);
  has(/^spec\.params\.url:.*(Required|required|missing)/);
  assert.equal(msgs.length, 6, msgs.join('\n'));
});
