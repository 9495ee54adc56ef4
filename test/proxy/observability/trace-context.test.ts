import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  extractTraceContext,
  formatB3Single,
  formatTraceparent,
  injectTraceContext,
  newSpanId,
  newTraceId,
  parseB3Multi,
  parseB3Single,
  parseTraceparent,
} from '../../../src/proxy/observability/index.js';
import type { Headers } from '../../../src/proxy/http/stream.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

test('traceparent: the W3C example parses, with the sampled bit', () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true, 'other flag bits do not hide sampled');
});

test('traceparent: invalid values are refused', () => {
  for (const bad of [
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `ff-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `00-${TRACE.slice(1)}-${SPAN}-01`,
    `0-${TRACE}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}`,
    `00-${TRACE}-${SPAN}-0g`,
  ]) {
    assert.equal(parseTraceparent(bad), undefined, bad);
  }
});

test('traceparent: a future version may append fields', () => {
  assert.deepEqual(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`), { traceId: TRACE, spanId: SPAN, sampled: true });
});

test('traceparent: format and parse are inverse for any ids', () => {
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
  fc.assert(
    fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
      assert.deepEqual(parseTraceparent(formatTraceparent(traceId, spanId, sampled)), { traceId, spanId, sampled });
    }),
  );
});

test('b3 single header: all its shapes', () => {
  assert.deepEqual(parseB3Single(`${TRACE}-${SPAN}-1-05e3ac9a4f6e3b90`), { traceId: TRACE, spanId: SPAN, shortTraceId: false, sampled: true, format: 'b3-single' });
  assert.deepEqual(parseB3Single(`a3ce929d0e0e4736-${SPAN}`), {
    traceId: '0000000000000000a3ce929d0e0e4736',
    spanId: SPAN,
    shortTraceId: true,
    format: 'b3-single',
  });
  assert.deepEqual(parseB3Single(`${TRACE}-${SPAN}-d`), { traceId: TRACE, spanId: SPAN, shortTraceId: false, sampled: true, debug: true, format: 'b3-single' });
  assert.deepEqual(parseB3Single('0'), { sampled: false, debug: false, format: 'b3-single' });
  assert.equal(parseB3Single(`${TRACE}-${SPAN}-x`), undefined);
  assert.equal(parseB3Single(`${TRACE}`), undefined);
  assert.equal(parseB3Single(`${TRACE}-${SPAN}-1-nothex`), undefined);
  assert.equal(formatB3Single(TRACE, SPAN, true, '05e3ac9a4f6e3b90'), `${TRACE}-${SPAN}-1-05e3ac9a4f6e3b90`);
});

test('b3 multi headers: ids, sampled, debug flag, and a bare decision', () => {
  assert.deepEqual(parseB3Multi({ 'x-b3-traceid': TRACE.toUpperCase(), 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }), {
    traceId: TRACE,
    spanId: SPAN,
    shortTraceId: false,
    sampled: true,
    format: 'b3',
  });
  assert.equal(parseB3Multi({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN })?.sampled, undefined, 'decision deferred');
  assert.equal(parseB3Multi({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0', 'x-b3-flags': '1' })?.sampled, true);
  assert.deepEqual(parseB3Multi({ 'x-b3-sampled': '0' }), { sampled: false, format: 'b3' });
  assert.equal(parseB3Multi({ 'x-b3-traceid': TRACE }), undefined);
});

test('extract: traceparent wins over b3, which wins over x-b3-*; an invalid traceparent falls through', () => {
  const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const headers: Headers = {
    traceparent: `00-${TRACE}-${SPAN}-01`,
    tracestate: ['congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7'],
    b3: `${other}-${SPAN}-0`,
    'x-b3-traceid': other,
    'x-b3-spanid': SPAN,
  };
  const w3c = extractTraceContext(headers)!;
  assert.equal(w3c.format, 'w3c');
  assert.equal(w3c.traceId, TRACE);
  assert.equal(w3c.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  headers.traceparent = 'garbage';
  assert.equal(extractTraceContext(headers)!.format, 'b3-single');
  delete headers.b3;
  assert.equal(extractTraceContext(headers)!.format, 'b3');
  assert.equal(extractTraceContext({}), undefined);
});

test('inject: W3C and B3 written together, stale headers replaced, 64-bit B3 ids kept short', () => {
  const headers: Headers = { tracestate: 'old=1', 'x-b3-flags': '1', 'x-b3-parentspanid': 'ffffffffffffffff', b3: 'stale' };
  injectTraceContext(headers, { traceId: '0000000000000000a3ce929d0e0e4736', spanId: SPAN, sampled: true, shortTraceId: true });
  assert.deepEqual(headers, {
    traceparent: `00-0000000000000000a3ce929d0e0e4736-${SPAN}-01`,
    'x-b3-traceid': 'a3ce929d0e0e4736',
    'x-b3-spanid': SPAN,
    'x-b3-sampled': '1',
  });
  // (deepEqual narrowed `headers`; look at it through its declared type again)
  const again: Headers = headers;
  injectTraceContext(again, { traceId: TRACE, spanId: SPAN, parentSpanId: '05e3ac9a4f6e3b90', sampled: false, b3Single: true, tracestate: 'k=v' });
  assert.equal(again.b3, `${TRACE}-${SPAN}-0-05e3ac9a4f6e3b90`);
  assert.equal(again['x-b3-parentspanid'], '05e3ac9a4f6e3b90');
  assert.equal(again.tracestate, 'k=v');
  assert.equal(again.traceparent, `00-${TRACE}-${SPAN}-00`);
});

test('new ids are lowercase hex of the right length and differ', () => {
  const traces = new Set(Array.from({ length: 1000 }, newTraceId));
  const spans = new Set(Array.from({ length: 1000 }, newSpanId));
  assert.equal(traces.size, 1000);
  assert.equal(spans.size, 1000);
  for (const t of traces) assert.match(t, /^[0-9a-f]{32}$/);
  for (const s of spans) assert.match(s, /^[0-9a-f]{16}$/);
});
