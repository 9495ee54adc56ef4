import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SpanExporter,
  Tracer,
  parseTraceparent,
  sampledByRequestId,
  traceFields,
  type CompletedStream,
  type FinishedSpan,
  type RequestTrace,
} from '../../../src/proxy/observability/index.js';
import type { Headers } from '../../../src/proxy/http/stream.js';
import { eventually } from '../../helpers/eventually.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface ZipkinSpanJson {
  traceId: string;
  id: string;
  parentId?: string;
  kind: string;
  name: string;
  timestamp: number;
  duration: number;
  localEndpoint: unknown;
  remoteEndpoint?: unknown;
  tags: Record<string, string>;
}

interface Attribute {
  key: string;
  value: { stringValue: string };
}

interface OtlpBody {
  resourceSpans: Array<{
    resource: { attributes: Attribute[] };
    scopeSpans: Array<{
      spans: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        status: { code: number };
        attributes: Attribute[];
      }>;
    }>;
  }>;
}

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/** A real HTTP collector on 127.0.0.1:0 that keeps every batch; `hold` delays answers until released. */
async function collector(t: { after: (fn: () => unknown) => void }, status = 202) {
  const batches: Received[] = [];
  let holding = false;
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      batches.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
      const answer = () => res.writeHead(status).end();
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const answer of held.splice(0)) answer();
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    batches,
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
  };
}

function completed(trace: RequestTrace, over: Partial<CompletedStream> = {}): CompletedStream {
  return {
    startTime: Date.parse('2024-05-01T10:20:30.000Z'),
    durationMs: 8.25,
    protocol: 'HTTP/1.1',
    method: 'GET',
    path: '/reviews/1?full=1',
    authority: 'reviews.default.svc.cluster.local:9080',
    responseCode: 200,
    responseFlags: [],
    requestBytes: 0,
    responseBytes: 295,
    upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
    upstreamHost: '10.1.2.3:9080',
    downstreamRemote: '10.1.0.5:40000',
    downstreamLocal: '10.96.0.20:9080',
    direction: 'outbound',
    tls: false,
    ...traceFields(trace),
    ...over,
  };
}

test('a sampled incoming trace is continued: child span id upstream, parent = caller, both header formats', () => {
  const tracer = new Tracer({ serviceName: 'productpage.default', randomSamplingPercentage: 0 });
  const headers: Headers = { traceparent: `00-${TRACE}-${CALLER_SPAN}-01`, tracestate: 'congo=t61rcWkgMzE', 'x-request-id': 'keep-me' };
  const trace = tracer.startRequest(headers);
  assert.equal(trace.traceId, TRACE);
  assert.equal(trace.parentSpanId, CALLER_SPAN);
  assert.notEqual(trace.spanId, CALLER_SPAN);
  assert.equal(trace.sampled, true, "the caller's decision wins over 0%");
  assert.equal(trace.requestId, 'keep-me');
  assert.deepEqual(parseTraceparent(headers.traceparent as string), { traceId: TRACE, spanId: trace.spanId, sampled: true });
  assert.equal(headers.tracestate, 'congo=t61rcWkgMzE');
  assert.equal(headers['x-b3-traceid'], TRACE);
  assert.equal(headers['x-b3-spanid'], trace.spanId);
  assert.equal(headers['x-b3-parentspanid'], CALLER_SPAN);
  assert.equal(headers['x-b3-sampled'], '1');
  assert.equal(headers['x-request-id'], 'keep-me');
});

test('sampling: the incoming decision is respected either way; without one, the percentage decides', () => {
  const all = new Tracer({ serviceName: 's', randomSamplingPercentage: 100 });
  const none = new Tracer({ serviceName: 's', randomSamplingPercentage: 0 });
  assert.equal(all.startRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-00` }).sampled, false);
  assert.equal(all.startRequest({ 'x-b3-sampled': '0' }).sampled, false, 'a bare B3 "do not sample"');
  assert.equal(none.startRequest({ 'x-b3-traceid': TRACE, 'x-b3-spanid': CALLER_SPAN, 'x-b3-sampled': '1' }).sampled, true);
  assert.equal(none.startRequest({ b3: `${TRACE}-${CALLER_SPAN}-d` }).sampled, true, 'debug forces sampling');
  const deferred = { 'x-b3-traceid': TRACE, 'x-b3-spanid': CALLER_SPAN };
  assert.equal(all.startRequest({ ...deferred }).sampled, true);
  assert.equal(none.startRequest({ ...deferred }).sampled, false);
  const fresh: Headers = {};
  const started = all.startRequest(fresh);
  assert.equal(started.parentSpanId, undefined, 'a new trace has no parent');
  assert.match(started.requestId, UUID_V4);
  assert.equal(fresh['x-request-id'], started.requestId);
  assert.equal(fresh['x-b3-parentspanid'], undefined);
  assert.equal(fresh['x-b3-sampled'], '1');
  assert.throws(() => new Tracer({ serviceName: 's', randomSamplingPercentage: 101 }), RangeError);
});

test('random sampling follows x-request-id: stable per id, close to the percentage over many', () => {
  const ids = Array.from({ length: 20_000 }, () => randomUUID());
  const picked = ids.filter((id) => sampledByRequestId(id, 10)).length;
  assert.ok(picked > 1600 && picked < 2400, `${picked} of 20000 at 10%`);
  for (const id of ids.slice(0, 100)) assert.equal(sampledByRequestId(id, 10), sampledByRequestId(id, 10));
  assert.equal(sampledByRequestId(ids[0]!, 100), true);
  assert.equal(sampledByRequestId(ids[0]!, 0), false);
  const tracer = new Tracer({ serviceName: 's', randomSamplingPercentage: 1 });
  const id = ids.find((i) => sampledByRequestId(i, 1))!;
  assert.equal(tracer.startRequest({ 'x-request-id': id }).sampled, true);
});

test('the b3 single header keeps its format upstream; 64-bit B3 trace ids stay 64-bit in B3', () => {
  const tracer = new Tracer({ serviceName: 's', randomSamplingPercentage: 100 });
  const headers: Headers = { b3: `a3ce929d0e0e4736-${CALLER_SPAN}-1` };
  const trace = tracer.startRequest(headers);
  assert.equal(trace.traceId, '0000000000000000a3ce929d0e0e4736');
  assert.equal(headers.b3, `a3ce929d0e0e4736-${trace.spanId}-1-${CALLER_SPAN}`);
  assert.equal(headers['x-b3-traceid'], 'a3ce929d0e0e4736');
  assert.equal(headers.traceparent, `00-0000000000000000a3ce929d0e0e4736-${trace.spanId}-01`);
});

test('Zipkin: sampled spans reach the collector in batches with parent/child ids; unsampled ones do not', async (t) => {
  const c = await collector(t);
  const exporter = new SpanExporter({ format: 'zipkin', endpoint: c.url, maxBatchSize: 2, flushIntervalMs: 60_000 });
  t.after(() => exporter.close());
  const tracer = new Tracer({ serviceName: 'productpage.default', sink: exporter, randomSamplingPercentage: 0, localAddress: '10.1.0.9', meshId: 'mesh1' });

  const sampled = tracer.startRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01` });
  const unsampled = tracer.startRequest({});
  assert.equal(unsampled.sampled, false);
  const inbound = tracer.startRequest({ 'x-b3-traceid': TRACE, 'x-b3-spanid': sampled.spanId, 'x-b3-sampled': '1' });
  tracer.onComplete(completed(sampled));
  tracer.onComplete(completed(unsampled));
  assert.equal(c.batches.length, 0, 'one span is not a batch yet');
  tracer.onComplete(completed(inbound, { direction: 'inbound', responseCode: 503, responseFlags: ['UF', 'URX'] }));

  await eventually('a batch arrives', () => (c.batches.length === 1 ? true : undefined));
  const [batch] = c.batches;
  assert.equal(batch!.path, '/api/v2/spans');
  assert.equal(batch!.contentType, 'application/json');
  const spans = batch!.body as ZipkinSpanJson[];
  assert.equal(spans.length, 2);
  const [client, server] = spans as [ZipkinSpanJson, ZipkinSpanJson];
  assert.equal(client.traceId, TRACE);
  assert.equal(client.id, sampled.spanId);
  assert.equal(client.parentId, CALLER_SPAN);
  assert.equal(client.kind, 'CLIENT');
  assert.equal(client.name, 'reviews.default.svc.cluster.local:9080/reviews/1');
  assert.equal(client.timestamp, Date.parse('2024-05-01T10:20:30.000Z') * 1000);
  assert.equal(client.duration, 8250);
  assert.deepEqual(client.localEndpoint, { serviceName: 'productpage.default', ipv4: '10.1.0.9' });
  assert.deepEqual(client.remoteEndpoint, { ipv4: '10.1.2.3', port: 9080 });
  assert.equal(client.tags['http.method'], 'GET');
  assert.equal(client.tags['http.url'], 'http://reviews.default.svc.cluster.local:9080/reviews/1?full=1');
  assert.equal(client.tags['http.status_code'], '200');
  assert.equal(client.tags.upstream_cluster, 'outbound|9080||reviews.default.svc.cluster.local');
  assert.equal(client.tags.response_flags, '-');
  assert.equal(client.tags['istio.mesh_id'], 'mesh1');
  assert.equal(client.tags.error, undefined);
  assert.equal(server.parentId, sampled.spanId, "the next hop's span is a child of ours");
  assert.equal(server.kind, 'SERVER');
  assert.equal(server.tags.error, 'true');
  assert.equal(server.tags.response_flags, 'UF,URX');
  assert.deepEqual(server.remoteEndpoint, { ipv4: '10.1.0.5', port: 40000 });
  await eventually('the collector answer is counted', () => (exporter.stats.exported === 2 ? true : undefined));
  assert.deepEqual(exporter.stats, { exported: 2, dropped: 0, failed: 0, batches: 1 });
});

test('OTLP/HTTP JSON: a partial batch goes out on the flush interval', async (t) => {
  const c = await collector(t, 200);
  const exporter = new SpanExporter({ format: 'otlp', endpoint: c.url, maxBatchSize: 100, flushIntervalMs: 25, resourceAttributes: { 'k8s.namespace.name': 'default' } });
  t.after(() => exporter.close());
  const tracer = new Tracer({ serviceName: 'reviews.default', sink: exporter, randomSamplingPercentage: 100 });
  const trace = tracer.startRequest({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01` });
  tracer.onComplete(completed(trace, { direction: 'inbound', protocol: 'HTTP/2', grpc: true, grpcStatus: 0 }));
  await eventually('the timer sends the batch', () => (c.batches.length === 1 ? true : undefined));
  const body = c.batches[0]!.body as OtlpBody;
  assert.equal(c.batches[0]!.path, '/v1/traces');
  const resource = body.resourceSpans[0]!.resource.attributes;
  assert.deepEqual(resource, [
    { key: 'k8s.namespace.name', value: { stringValue: 'default' } },
    { key: 'service.name', value: { stringValue: 'reviews.default' } },
  ]);
  const span = body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal(span.traceId, TRACE);
  assert.equal(span.spanId, trace.spanId);
  assert.equal(span.parentSpanId, CALLER_SPAN);
  assert.equal(span.kind, 2);
  const startNs = BigInt(Date.parse('2024-05-01T10:20:30.000Z')) * 1_000_000n;
  assert.equal(span.startTimeUnixNano, startNs.toString());
  assert.equal(span.endTimeUnixNano, (startNs + 8_250_000n).toString());
  assert.deepEqual(span.status, { code: 0 });
  assert.ok(span.attributes.some((a) => a.key === 'grpc.status_code' && a.value.stringValue === '0'));
});

function span(i: number): FinishedSpan {
  return {
    traceId: TRACE,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `op-${i}`,
    kind: 'CLIENT',
    startTimeMs: Date.now(),
    durationMs: 1,
    tags: {},
    localEndpoint: { serviceName: 's' },
    error: false,
  };
}

test('a slow collector never blocks export: the bounded queue drops and counts', async (t) => {
  const c = await collector(t);
  c.hold();
  const exporter = new SpanExporter({ format: 'zipkin', endpoint: c.url, maxBatchSize: 1, maxQueueSize: 2, flushIntervalMs: 60_000 });
  for (let i = 0; i < 10; i++) exporter.export(span(i));
  assert.equal(exporter.stats.dropped, 7, 'one in flight, two queued, seven dropped');
  await eventually('the first POST reaches the collector', () => (c.batches.length === 1 ? true : undefined));
  c.release();
  await exporter.close();
  assert.deepEqual(
    c.batches.map((b) => (b.body as Array<{ name: string }>).map((s) => s.name)),
    [['op-0'], ['op-1'], ['op-2']],
  );
  assert.deepEqual(exporter.stats, { exported: 3, dropped: 7, failed: 0, batches: 3 });
  exporter.export(span(99));
  assert.equal(exporter.stats.dropped, 8, 'closed exporters drop');
});

test('close() flushes a partial batch; an unreachable or refusing collector is counted as failed', async (t) => {
  const c = await collector(t);
  const exporter = new SpanExporter({ format: 'zipkin', endpoint: c.url, maxBatchSize: 50, flushIntervalMs: 60_000 });
  for (let i = 0; i < 3; i++) exporter.export(span(i));
  await exporter.close();
  assert.equal(c.batches.length, 1);
  assert.equal((c.batches[0]!.body as unknown[]).length, 3);

  const refusing = await collector(t, 500);
  const bad = new SpanExporter({ format: 'otlp', endpoint: refusing.url, maxBatchSize: 2 });
  bad.export(span(0));
  bad.export(span(1));
  await bad.close();
  assert.deepEqual(bad.stats, { exported: 0, dropped: 0, failed: 2, batches: 1 });

  // A port nothing listens on: take one from a server and close it.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const down = new SpanExporter({ format: 'zipkin', endpoint: `http://127.0.0.1:${port}`, maxBatchSize: 1 });
  down.export(span(0));
  await down.close();
  assert.deepEqual(down.stats, { exported: 0, dropped: 0, failed: 1, batches: 1 });
});
