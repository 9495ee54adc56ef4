import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_HTTP_FILTERS } from '../../../../src/proxy/http/filters/index.js';

test('the built-in filters are listed once each by their Envoy type URLs', () => {
  const urls = BUILTIN_HTTP_FILTERS.map((f) => f.typeUrl);
  assert.deepEqual(urls, [
    'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
    'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
    'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor',
    'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
    'type.googleapis.com/isthmus.mixer.v1.HttpClientConfig',
  ]);
  for (const f of BUILTIN_HTTP_FILTERS) assert.equal(typeof f.validatePerRoute, 'function', f.typeUrl);
});
