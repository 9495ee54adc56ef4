import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { eventually } from '../../../helpers/eventually.js';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { compressorFilter } from '../../../../src/proxy/http/filters/compressor.js';
import type { Fields, Headers } from '../../../../src/proxy/http/stream.js';
import { build, fakeStream, routeTable, runChain, type Upstream } from './fake-stream.js';
import { any, typed } from './typed.js';

const NAME = 'envoy.filters.http.compressor';
const GZIP = 'envoy.extensions.compression.gzip.compressor.v3.Gzip';
const BROTLI = 'envoy.extensions.compression.brotli.compressor.v3.Brotli';
const compressor = (library: Fields, fields: Fields = {}) =>
  typed('envoy.extensions.filters.http.compressor.v3.Compressor', { compressor_library: { name: 'lib', typed_config: library }, ...fields });
const gzip = (fields: Fields = {}, lib: Fields = {}) => compressor(any(GZIP, lib), fields);
const brotli = (fields: Fields = {}, lib: Fields = {}) => compressor(any(BROTLI, lib), fields);
const perRoute = (fields: Fields) => typed('envoy.extensions.filters.http.compressor.v3.CompressorPerRoute', fields);

const JSON_BODY = JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item number ${i}` })) });
const json = (headers: Headers = {}): Upstream => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'content-length': String(JSON_BODY.length), ...headers },
  body: JSON_BODY,
});

async function run(configs: Fields[], acceptEncoding: string | undefined, upstream: Upstream = json(), o: { method?: string; routeTable?: Fields } = {}) {
  const headers: Record<string, string> = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
  const stream = fakeStream({ headers, ...o });
  const filters = configs.map((c) => build(compressorFilter, c, NAME));
  return { stream, ...(await runChain(filters, stream, upstream)) };
}

test('gzip: the body is compressed, Content-Length dropped, Vary added — and it gunzips to the original', async () => {
  const r = await run([gzip()], 'gzip, deflate');
  assert.equal(r.head?.headers['content-encoding'], 'gzip');
  assert.equal(r.head?.headers['content-length'], undefined);
  assert.equal(r.head?.headers.vary, 'Accept-Encoding');
  assert.ok(r.body.length < JSON_BODY.length / 2, `compressed to ${r.body.length} bytes`);
  assert.equal(zlib.gunzipSync(r.body).toString(), JSON_BODY);
});

test('brotli with its options: the body decompresses to the original', async () => {
  const r = await run([brotli({}, { quality: { value: 11 }, encoder_mode: 'TEXT', window_bits: { value: 22 } })], 'br');
  assert.equal(r.head?.headers['content-encoding'], 'br');
  assert.equal(zlib.brotliDecompressSync(r.body).toString(), JSON_BODY);
});

test('gzip options reach zlib (levels, window bits, memory level, strategy)', async () => {
  for (const lib of [{ compression_level: 'BEST_SPEED' }, { compression_level: 'COMPRESSION_LEVEL_9', window_bits: { value: 15 }, memory_level: { value: 9 } }, { compression_strategy: 'HUFFMAN_ONLY', window_bits: { value: 9 } }]) {
    const r = await run([gzip({}, lib)], 'gzip');
    assert.equal(zlib.gunzipSync(r.body).toString(), JSON_BODY, JSON.stringify(lib));
  }
});

test('the encoding is negotiated by q-value across every compressor filter on the stream', async () => {
  const both = [gzip(), brotli()];
  const chosen = async (accept: string, configs = both) => (await run(configs, accept)).head?.headers['content-encoding'];
  assert.equal(await chosen('gzip;q=0.5, br;q=0.8'), 'br');
  assert.equal(await chosen('gzip;q=0.9, br;q=0.8'), 'gzip');
  assert.equal(await chosen('br;q=0, *'), 'gzip');
  assert.equal(await chosen('*'), 'gzip');
  assert.equal(await chosen('GZIP'), 'gzip');
  assert.equal(await chosen('deflate'), undefined);
  assert.equal(await chosen('identity'), undefined);
  assert.equal(await chosen('gzip;q=0'), undefined);
  assert.equal(await chosen('gzip;q=0.5, identity;q=0.9'), undefined);
  assert.equal(await chosen('gzip;q=abc, br'), 'br', 'an unparseable q-value drops that coding only');
  // A tie goes to the first coding listed, unless a compressor says choose_first.
  assert.equal(await chosen('gzip, br'), 'gzip');
  assert.equal(await chosen('gzip, br', [gzip(), brotli({ choose_first: true })]), 'br');

  const r = await run(both, 'br, gzip;q=0.1');
  assert.equal(r.head?.headers.vary, 'Accept-Encoding', 'one Vary even with two compressors');
  assert.equal(zlib.brotliDecompressSync(r.body).toString(), JSON_BODY);
});

test('a compressor is left out of the choice for content types it does not handle', async () => {
  const htmlOnly = gzip({ response_direction_config: { common_config: { content_type: ['text/html'] } } });
  const r = await run([htmlOnly, brotli()], 'gzip, br;q=0.5');
  assert.equal(r.head?.headers['content-encoding'], 'br');
});

test('responses that must not or need not be compressed pass untouched', async () => {
  const plain = async (accept: string | undefined, upstream: Upstream, o: { method?: string } = {}) => {
    const r = await run([gzip()], accept, upstream, o);
    assert.equal(r.head?.headers['content-encoding'], upstream.headers?.['content-encoding'], JSON.stringify({ accept, upstream: upstream.headers, o }));
    return r;
  };
  await plain('gzip', json({ 'content-encoding': 'br' }));
  await plain('gzip', json({ 'cache-control': 'public, no-transform' }));
  await plain('gzip', json({ 'content-type': 'image/png' }));
  await plain('gzip', { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '29' }, body: 'x'.repeat(29) });
  await plain('gzip', json(), { method: 'HEAD' });
  await plain('gzip', { status: 204, headers: { 'content-type': 'text/plain' } });
  await plain('gzip', { status: 304, headers: { 'content-type': 'text/plain' } });
  const noAccept = await plain(undefined, json());
  assert.equal(noAccept.head?.headers.vary, 'Accept-Encoding', 'compressible, so caches still learn it varies');
  assert.equal(noAccept.body.toString(), JSON_BODY);
  // No Content-Length (a streamed body) and a parameterised content type are fine.
  const r = await run([gzip()], 'gzip', { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: JSON_BODY });
  assert.equal(r.head?.headers['content-encoding'], 'gzip');
  // min_content_length 0 means the default (30); a larger one is honoured.
  const big = gzip({ response_direction_config: { common_config: { min_content_length: { value: 100_000 } } } });
  assert.equal((await run([big], 'gzip')).head?.headers['content-encoding'], undefined);
});

test('Vary keeps existing values; strong ETags go, weak ones stay; disable_on_etag_header skips compression', async () => {
  const vary = await run([gzip()], 'gzip', json({ vary: 'Origin' }));
  assert.equal(vary.head?.headers.vary, 'Origin, Accept-Encoding');
  const already = await run([gzip()], 'gzip', json({ vary: 'accept-encoding' }));
  assert.equal(already.head?.headers.vary, 'accept-encoding');

  const strong = await run([gzip()], 'gzip', json({ etag: '"abc"' }));
  assert.equal(strong.head?.headers.etag, undefined);
  const weak = await run([gzip()], 'gzip', json({ etag: 'W/"abc"' }));
  assert.equal(weak.head?.headers.etag, 'W/"abc"');
  const off = await run([gzip({ response_direction_config: { disable_on_etag_header: true } })], 'gzip', json({ etag: '"abc"' }));
  assert.equal(off.head?.headers['content-encoding'], undefined);
  assert.equal(off.head?.headers.etag, '"abc"');
});

test('remove_accept_encoding_header keeps the upstream from compressing first', async () => {
  const r = await run([gzip({ response_direction_config: { remove_accept_encoding_header: true } })], 'gzip');
  assert.equal(r.stream.request.headers['accept-encoding'], undefined);
  assert.equal(r.head?.headers['content-encoding'], 'gzip', 'the filter still compresses by what the client sent');
});

test('per route: disabled turns compression off; an overrides response_direction_config turns it on', async () => {
  const off = routeTable({ route: { [NAME]: perRoute({ disabled: true }) } });
  assert.equal((await run([gzip()], 'gzip', json(), { routeTable: off })).head?.headers['content-encoding'], undefined);

  const disabledFilter = gzip({ response_direction_config: { common_config: { enabled: { default_value: { value: false }, runtime_key: 'k' } } } });
  assert.equal((await run([disabledFilter], 'gzip')).head?.headers['content-encoding'], undefined);
  const on = routeTable({ route: { [NAME]: perRoute({ overrides: { response_direction_config: { remove_accept_encoding_header: { value: true } } } }) } });
  const r = await run([disabledFilter], 'gzip', json(), { routeTable: on });
  assert.equal(r.head?.headers['content-encoding'], 'gzip');
  assert.equal(r.stream.request.headers['accept-encoding'], undefined);
});

test('each body chunk is flushed through the compressor as it arrives', async () => {
  const stream = fakeStream({ headers: { 'accept-encoding': 'gzip' } });
  const filter = build(compressorFilter, gzip(), NAME);
  await filter.decodeHeaders!(stream);
  await filter.encodeHeaders!(stream, { status: 200, headers: { 'content-type': 'text/plain' } });
  const [gz] = stream.responseTransforms;
  assert.ok(gz);
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const body = new PassThrough();
  body.pipe(gz);
  body.write('data: first event\n\n');
  // Before the body ends, what came out already inflates to the first event (10-byte gzip header).
  const sofar = () => zlib.inflateRawSync(Buffer.concat(out).subarray(10), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
  await eventually('the first event comes out whole', () => (out.length > 0 && sofar() === 'data: first event\n\n' ? true : undefined));
  body.end('data: second\n\n');
  await once(gz, 'end');
  assert.equal(zlib.gunzipSync(Buffer.concat(out)).toString(), 'data: first event\n\ndata: second\n\n');
});

test('bad compressor configs are rejected naming the field', () => {
  const reject = (check: () => unknown, field: string, reason: RegExp) =>
    assert.throws(check, (e: unknown) => e instanceof FilterConfigError && e.field === field && reason.test(e.reason), field);
  const create = (c: Fields) => () => build(compressorFilter, c, NAME);
  reject(create(compressor(any('envoy.extensions.compression.zstd.compressor.v3.Zstd'))), 'compressor_library.typed_config', /zstd is not available: node:zlib in Node 20/);
  reject(create(typed('envoy.extensions.filters.http.compressor.v3.Compressor')), 'compressor_library', /required/);
  reject(create(compressor(any('envoy.extensions.filters.http.cors.v3.Cors'))), 'compressor_library.typed_config.@type', /not a compressor library/);
  reject(create(gzip({}, { window_bits: { value: 16 } })), 'compressor_library.typed_config.window_bits', /\[9, 15\]/);
  reject(create(brotli({}, { quality: { value: 12 } })), 'compressor_library.typed_config.quality', /\[0, 11\]/);
  reject(create(gzip({ request_direction_config: {} })), 'request_direction_config', /request body compression is not supported/);
  assert.doesNotThrow(create(gzip({ request_direction_config: { common_config: { enabled: { default_value: { value: false }, runtime_key: 'k' } } } })));
  reject(() => compressorFilter.validatePerRoute!({}), 'override', /exactly one/);
  reject(() => compressorFilter.validatePerRoute!({ disabled: false }), 'disabled', /only be true/);
});
