// The connection manager's path normalization, option by option, with Envoy's semantics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResourceRejected } from '../../../src/proxy/xds-client/fields.js';
import { normalizeRequestPath, readPathNormalization, removeDotSegments, type PathNormalization } from '../../../src/proxy/http/path-normalization.js';

const opts = (o: Partial<PathNormalization>): PathNormalization => ({ normalizePath: false, mergeSlashes: false, escapedSlashes: 'KEEP_UNCHANGED', ...o });

test('normalize_path: dot segments, unreserved escapes and backslashes; the query is untouched', () => {
  const n = opts({ normalizePath: true });
  assert.deepEqual(normalizeRequestPath('/a/./b/../c?x=/../y', n), { kind: 'forward', path: '/a/c?x=/../y' });
  assert.deepEqual(normalizeRequestPath('/%7Euser/%41/%2e%2E/x', n), { kind: 'forward', path: '/~user/x' });
  assert.deepEqual(normalizeRequestPath('/a\\..\\b', n), { kind: 'forward', path: '/b' });
  assert.deepEqual(normalizeRequestPath('/../../etc', n), { kind: 'forward', path: '/etc' });
  assert.deepEqual(normalizeRequestPath('/a%2Fb%20c', n), { kind: 'forward', path: '/a%2Fb%20c' });
  assert.deepEqual(normalizeRequestPath('/A/B', n), { kind: 'forward', path: '/A/B' });
  assert.equal(removeDotSegments('/a/b/..'), '/a/');
});

test('merge_slashes', () => {
  assert.deepEqual(normalizeRequestPath('//a///b/?q=//', opts({ mergeSlashes: true })), { kind: 'forward', path: '/a/b/?q=//' });
});

test('escaped slashes: keep, reject, unescape and forward, unescape and redirect', () => {
  assert.deepEqual(normalizeRequestPath('/a%2Fb', opts({})), { kind: 'forward', path: '/a%2Fb' });
  assert.equal(normalizeRequestPath('/a%2fb', opts({ escapedSlashes: 'REJECT_REQUEST' })).kind, 'reject');
  assert.equal(normalizeRequestPath('/a%5Cb', opts({ escapedSlashes: 'REJECT_REQUEST' })).kind, 'reject');
  assert.deepEqual(normalizeRequestPath('/a/b', opts({ escapedSlashes: 'REJECT_REQUEST' })), { kind: 'forward', path: '/a/b' });
  assert.deepEqual(normalizeRequestPath('/x%2F%2Fadmin', opts({ escapedSlashes: 'UNESCAPE_AND_FORWARD', mergeSlashes: true, normalizePath: true })), { kind: 'forward', path: '/x/admin' });
  assert.deepEqual(normalizeRequestPath('/a%2Fb?q', opts({ escapedSlashes: 'UNESCAPE_AND_REDIRECT' })), { kind: 'redirect', path: '/a/b?q' });
  assert.deepEqual(normalizeRequestPath('/a/b', opts({ escapedSlashes: 'UNESCAPE_AND_REDIRECT' })), { kind: 'forward', path: '/a/b' });
});

test('reading the HCM fields; a bad one rejects the listener naming it', () => {
  assert.deepEqual(readPathNormalization({ normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' }, 'hcm'),
    { normalizePath: true, mergeSlashes: true, escapedSlashes: 'UNESCAPE_AND_FORWARD' });
  assert.deepEqual(readPathNormalization({}, 'hcm'), { normalizePath: false, mergeSlashes: false, escapedSlashes: 'KEEP_UNCHANGED' });
  assert.throws(() => readPathNormalization({ path_with_escaped_slashes_action: 'SHRUG' }, 'hcm'), (e: unknown) => e instanceof ResourceRejected && e.field === 'hcm.path_with_escaped_slashes_action');
});
