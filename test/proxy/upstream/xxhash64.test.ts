// XXH64 against Envoy's own test vectors and, on random inputs of every length class (the
// 32-byte stripes, 8- and 4-byte tails, single bytes) and seeds, against the WebAssembly build
// of the reference C implementation that @grpc/grpc-js-xds already installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { xxhash64, xxhash64Chain } from '../../../src/proxy/upstream/lb/xxhash64.js';

test('xxhash64 matches the values in Envoy\'s hash tests', () => {
  assert.equal(xxhash64('foo'), 3728699739546630719n);
  assert.equal(xxhash64('bar'), 5234164152756840025n);
  assert.equal(xxhash64('foo\nbar'), 8917841378505826757n);
  assert.equal(xxhash64('lyft'), 4400747396090729504n);
  assert.equal(xxhash64(''), 17241709254077376921n);
});

test('xxhash64 equals the reference implementation for any bytes and seed', async () => {
  const ref = await xxhash();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (bytes, seed) => {
    assert.equal(xxhash64(bytes, seed), ref.h64Raw(bytes, seed));
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
    assert.equal(xxhash64(s), ref.h64(s));
  }), { numRuns: 200 });
});

test('a chain of values seeds each hash with the one before, and depends on order', () => {
  assert.equal(xxhash64Chain(['a']), xxhash64('a'));
  assert.equal(xxhash64Chain(['a', 'b']), xxhash64('b', xxhash64('a')));
  assert.notEqual(xxhash64Chain(['a', 'b']), xxhash64Chain(['b', 'a']));
  assert.equal(xxhash64Chain([]), xxhash64(''));
});
