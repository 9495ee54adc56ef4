import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerFields } from '../../../../src/control/translate/headers.js';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import {
  applyHeaderValueOptions, validateHeadersToRemove, validateHeaderValueOptions,
} from '../../../../src/proxy/http/filters/header-value-option.js';
import type { Fields, Headers } from '../../../../src/proxy/http/stream.js';
import { fakeStream } from './fake-stream.js';
import { typed } from './typed.js';

const option = (fields: Fields) => {
  const { '@type': _t, ...rest } = typed('envoy.config.core.v3.HeaderValueOption', fields);
  return rest;
};
const hv = (key: string, value: string, extra: Fields = {}) => option({ header: { key, value }, ...extra });

test('append actions: add, add only when absent, overwrite, overwrite only when present', () => {
  const headers: Headers = { a: '1', b: '2' };
  applyHeaderValueOptions(headers, [
    hv('a', 'x'),
    hv('b', 'y', { append_action: 'ADD_IF_ABSENT' }),
    hv('c', 'z', { append_action: 'ADD_IF_ABSENT' }),
    hv('b', 'w', { append_action: 'OVERWRITE_IF_EXISTS' }),
    hv('d', 'v', { append_action: 'OVERWRITE_IF_EXISTS' }),
    hv('E', 'u', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
  ], fakeStream());
  assert.deepEqual(headers, { a: ['1', 'x'], b: 'w', c: 'z', e: 'u' });
});

test('the deprecated append bool maps to append or overwrite, and cannot be mixed with append_action', () => {
  const headers: Headers = { a: '1', b: '2' };
  applyHeaderValueOptions(headers, [hv('a', 'x', { append: { value: true } }), hv('b', 'y', { append: { value: false } })], fakeStream());
  assert.deepEqual(headers, { a: ['1', 'x'], b: 'y' });
  assert.throws(
    () => validateHeaderValueOptions([hv('a', 'x', { append: { value: true }, append_action: 'ADD_IF_ABSENT' })], 'request_headers_to_add'),
    (e: unknown) => e instanceof FilterConfigError && e.field === 'request_headers_to_add[0]' && /both append and append_action/.test(e.reason),
  );
});

test('empty values are dropped unless keep_empty_value', () => {
  const headers: Headers = {};
  applyHeaderValueOptions(headers, [hv('a', ''), hv('b', '', { keep_empty_value: true }), hv('c', '%UPSTREAM_CLUSTER%')], fakeStream());
  assert.deepEqual(headers, { b: '' });
});

test('removals come first, then overwrites, then additions, all judged on the headers as they were', () => {
  const headers: Headers = { gone: 'old', x: 'keep' };
  applyHeaderValueOptions(headers, [
    hv('gone', 'new', { append_action: 'ADD_IF_ABSENT' }),
    hv('y', 'added'),
    hv('y', 'set', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }),
    hv('y', 'only-if-present', { append_action: 'OVERWRITE_IF_EXISTS' }),
  ], fakeStream(), ['gone']);
  assert.deepEqual(headers, { x: 'keep', gone: 'new', y: ['set', 'added'] });
});

test('values may use substitution commands', () => {
  const stream = fakeStream({ headers: { 'x-b': 'bee', 'x-long': 'abcdefgh' }, protocol: 'HTTP/2' });
  stream.upstream = { cluster: 'outbound|80||reviews', attempts: 1 };
  const headers: Headers = {};
  applyHeaderValueOptions(headers, [
    hv('x-client', '%DOWNSTREAM_REMOTE_ADDRESS%'),
    hv('x-client-ip', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'),
    hv('x-local', '%DOWNSTREAM_LOCAL_ADDRESS%/%DOWNSTREAM_LOCAL_PORT%'),
    hv('x-fallback', '%REQ(x-a?x-b)%'),
    hv('x-short', '%REQ(x-long):3%'),
    hv('x-path', '%REQ(:path)% on %REQ(:authority)%'),
    hv('x-pct', '100%% %PROTOCOL%'),
    hv('x-cluster', '%UPSTREAM_CLUSTER%'),
    hv('x-start', '%START_TIME%'),
  ], stream);
  assert.deepEqual(headers, {
    'x-client': '10.1.2.3:40000',
    'x-client-ip': '10.1.2.3',
    'x-local': '10.9.8.7:8080/8080',
    'x-fallback': 'bee',
    'x-short': 'abc',
    'x-path': '/ on example.com',
    'x-pct': '100% HTTP/2',
    'x-cluster': 'outbound|80||reviews',
    'x-start': '2024-01-02T03:04:05.678Z',
  });
});

test('raw_value is taken literally', () => {
  const headers: Headers = {};
  applyHeaderValueOptions(headers, [option({ header: { key: 'x-raw', raw_value: Buffer.from('50%ABC%').toString('base64') } })], fakeStream());
  assert.deepEqual(headers, { 'x-raw': '50%ABC%' });
});

test('the VirtualService headers the control plane emits apply as Istio means them', () => {
  const fields = headerFields({ request: { set: { 'x-set': 'one' }, add: { 'x-add': 'two' }, remove: ['x-drop'] } });
  validateHeaderValueOptions(fields.request_headers_to_add, 'request_headers_to_add');
  validateHeadersToRemove(fields.request_headers_to_remove, 'request_headers_to_remove');
  const headers: Headers = { 'x-set': 'old', 'x-add': 'old', 'x-drop': 'bye' };
  applyHeaderValueOptions(headers, fields.request_headers_to_add as Fields[], fakeStream(), fields.request_headers_to_remove);
  assert.deepEqual(headers, { 'x-set': 'one', 'x-add': ['old', 'two'] });
});

test('configs that could not be applied are rejected naming the field', () => {
  const cases: [unknown, string, RegExp][] = [
    [[hv(':path', '/x')], 'h[0].header.key', /pseudo-headers and host/],
    [[hv('Host', 'x')], 'h[0].header.key', /pseudo-headers and host/],
    [[hv('bad name', 'x')], 'h[0].header.key', /not a valid header name/],
    [[hv('a', '%NOT_A_COMMAND%')], 'h[0].header.value', /not a substitution command/],
    [[hv('a', '%REQ%')], 'h[0].header.value', /REQ needs a header name/],
    [[hv('a', '50% off')], 'h[0].header.value', /%%/],
    [[hv('a', '%START_TIME(%s)%')], 'h[0].header.value', /only without arguments/],
    [[{ header: { key: 'a', value: 'x\r\ny' } }], 'h[0].header.value', /CR, LF/],
    [[{ header: { key: 'a', value: 'x' }, append_action: 'SOMETIMES' }], 'h[0].append_action', /not one of/],
  ];
  for (const [options, field, reason] of cases) {
    assert.throws(() => validateHeaderValueOptions(options, 'h'), (e: unknown) => e instanceof FilterConfigError && e.field === field && reason.test(e.reason), JSON.stringify(options));
  }
  assert.throws(() => validateHeadersToRemove(['x-ok', ':authority'], 'r'), (e: unknown) => e instanceof FilterConfigError && e.field === 'r[1]');
  // At run time a bad entry is skipped, never thrown on a request.
  const headers: Headers = {};
  applyHeaderValueOptions(headers, [hv('a', '%NOPE%'), hv('b', 'fine')], fakeStream(), [':path']);
  assert.deepEqual(headers, { b: 'fine' });
});
