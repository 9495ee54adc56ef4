import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  AccessLogSink,
  AccessLogger,
  formatJsonAccessLog,
  formatTextAccessLog,
  type CompletedStream,
} from '../../../src/proxy/observability/index.js';
import { eventually } from '../../helpers/eventually.js';

const START = Date.parse('2024-05-01T10:20:30.456Z');

function stream(over: Partial<CompletedStream> = {}): CompletedStream {
  return {
    startTime: START,
    durationMs: 15.7,
    protocol: 'HTTP/1.1',
    method: 'GET',
    path: '/status/418?x=1',
    authority: 'httpbin:8000',
    userAgent: 'curl/8.5.0',
    requestId: '3e1f9c4e-2a9b-4d0e-9c44-0b1f5a3c7d21',
    responseCode: 418,
    responseCodeDetails: 'via_upstream',
    responseFlags: [],
    requestBytes: 0,
    responseBytes: 135,
    upstreamServiceTimeMs: 12.2,
    upstreamCluster: 'outbound|8000||httpbin.foo.svc.cluster.local',
    upstreamHost: '10.44.1.27:80',
    routeName: 'default',
    downstreamRemote: '10.44.1.23:37652',
    downstreamLocal: '10.0.45.184:8000',
    direction: 'outbound',
    tls: false,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    ...over,
  };
}

test('JSON: one object per line with Istio default fields, numbers as numbers and null when absent', () => {
  const line = formatJsonAccessLog(stream());
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const entry = JSON.parse(line);
  assert.deepEqual(entry, {
    authority: 'httpbin:8000',
    bytes_received: 0,
    bytes_sent: 135,
    connection_termination_details: null,
    downstream_local_address: '10.0.45.184:8000',
    downstream_remote_address: '10.44.1.23:37652',
    duration: 15,
    method: 'GET',
    path: '/status/418?x=1',
    protocol: 'HTTP/1.1',
    request_id: '3e1f9c4e-2a9b-4d0e-9c44-0b1f5a3c7d21',
    requested_server_name: null,
    response_code: 418,
    response_code_details: 'via_upstream',
    response_flags: '-',
    route_name: 'default',
    start_time: '2024-05-01T10:20:30.456Z',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    upstream_cluster: 'outbound|8000||httpbin.foo.svc.cluster.local',
    upstream_host: '10.44.1.27:80',
    upstream_local_address: null,
    upstream_service_time: '12',
    upstream_transport_failure_reason: null,
    user_agent: 'curl/8.5.0',
    x_forwarded_for: null,
  });
  assert.deepEqual(Object.keys(entry), Object.keys(entry).sort(), 'keys sorted as Envoy writes a JSON format');
});

test('JSON: a TCP connection has no method, path or protocol; flags joined in Envoy order', () => {
  const entry = JSON.parse(
    formatJsonAccessLog(
      stream({ protocol: 'TCP', method: undefined, path: undefined, authority: undefined, responseCode: 0, responseFlags: ['UC', 'UF'], responseCodeDetails: undefined }),
    ),
  );
  assert.equal(entry.method, null);
  assert.equal(entry.protocol, null);
  assert.equal(entry.response_code, 0);
  assert.equal(entry.response_flags, 'UF,UC');
});

// Istio's default TEXT format, field by field.
const TEXT_LINE =
  /^\[(\S+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+) (\S+) (\S+) "([^"]*)" (\d+) (\d+) (\d+) (\S+) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\n$/;

test('TEXT: Istio default format with "-" for missing values', () => {
  const m = TEXT_LINE.exec(formatTextAccessLog(stream({ forwardedFor: '203.0.113.9' })));
  assert.ok(m, 'line matches the format');
  assert.deepEqual(m.slice(1), [
    '2024-05-01T10:20:30.456Z',
    'GET',
    '/status/418?x=1',
    'HTTP/1.1',
    '418',
    '-',
    'via_upstream',
    '-',
    '-',
    '0',
    '135',
    '15',
    '12',
    '203.0.113.9',
    'curl/8.5.0',
    '3e1f9c4e-2a9b-4d0e-9c44-0b1f5a3c7d21',
    'httpbin:8000',
    '10.44.1.27:80',
    'outbound|8000||httpbin.foo.svc.cluster.local',
    '-',
    '10.0.45.184:8000',
    '10.44.1.23:37652',
    '-',
    'default',
  ]);
});

test('TEXT: a header with CR/LF cannot forge a second line', () => {
  const line = formatTextAccessLog(stream({ userAgent: 'evil\r\n[2024-01-01T00:00:00.000Z] "GET /admin' }));
  assert.equal(line.split('\n').length, 2);
  assert.ok(line.includes('evil\\x0d\\x0a['));
});

/** A real Writable that records each chunk it is handed (one per write call). */
class Recorder extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
}

test('sink: many lines go out in few writes, and close flushes the rest', async () => {
  const out = new Recorder();
  const sink = new AccessLogSink(out, { flushIntervalMs: 60_000, batchBytes: 16 * 1024 });
  const logger = new AccessLogger(sink, { encoding: 'JSON' });
  for (let i = 0; i < 500; i++) logger.onComplete(stream({ requestId: `req-${i}` }));
  assert.ok(sink.writes > 0 && sink.writes < 50, `${sink.writes} writes for 500 lines`);
  await sink.close();
  const lines = out.chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(lines.length, 500);
  assert.deepEqual(
    lines.map((l) => l.request_id),
    Array.from({ length: 500 }, (_, i) => `req-${i}`),
  );
  logger.onComplete(stream());
  assert.equal(out.chunks.join('').split('\n').filter(Boolean).length, 500, 'nothing after close');
});

test('sink: a quiet proxy still gets its lines written by the flush timer', async () => {
  const out = new Recorder();
  const sink = new AccessLogSink(out, { flushIntervalMs: 20 });
  new AccessLogger(sink).onComplete(stream());
  assert.equal(out.chunks.length, 0, 'not written synchronously');
  await eventually('the timer flushes the line', () => (out.chunks.length === 1 ? true : undefined));
  assert.match(out.chunks[0]!, TEXT_LINE);
  await sink.close();
});

test('sink: a backed-up stream holds lines up to the bound, then drops and counts', async () => {
  let release: (() => void) | undefined;
  const received: string[] = [];
  const slow = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      received.push(chunk.toString());
      release = () => done();
    },
  });
  const sink = new AccessLogSink(slow, { batchBytes: 1, maxPendingBytes: 100 });
  sink.write('first\n'); // written; the stream is now full
  for (let i = 0; i < 50; i++) sink.write('0123456789\n');
  assert.equal(sink.dropped, 41, '9 lines of 11 bytes fit in 100');
  release!();
  await eventually('held lines are written after the drain', () => (received.length === 2 ? true : undefined));
  release!();
  const closing = sink.close();
  await closing;
  assert.equal(received.join('').split('\n').filter(Boolean).length, 10);
});

test('sink: a file path appends to the file and close ends it', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'isthmus-alog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'access.log');
  for (let round = 0; round < 2; round++) {
    const sink = AccessLogSink.forPath(file, { flushIntervalMs: 60_000 });
    const logger = new AccessLogger(sink, { encoding: 'JSON' });
    for (let i = 0; i < 3; i++) logger.onComplete(stream({ requestId: `r${round}-${i}` }));
    await sink.close();
  }
  const ids = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).request_id);
  assert.deepEqual(ids, ['r0-0', 'r0-1', 'r0-2', 'r1-0', 'r1-1', 'r1-2']);
});
