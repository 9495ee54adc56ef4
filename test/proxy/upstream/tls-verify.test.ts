// The server-certificate checks of upstream TLS, on their own: reading SANs as Node prints
// them, Envoy's DNS wildcard rule, the SAN matchers per type, and the transport failure reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsNameMatch, sanMatches, subjectAltNames, transportFailureReason, type SanMatcher } from '../../../src/proxy/upstream/tls-origination.js';

test('subject alt names as Node prints them, quoted values and IPv6 included', () => {
  assert.deepEqual(subjectAltNames('DNS:a.example.com, URI:spiffe://td/ns/x/sa/y, IP Address:127.0.0.1, email:ops@example.com, DirName:CN=x'), [
    { type: 'DNS', value: 'a.example.com' },
    { type: 'URI', value: 'spiffe://td/ns/x/sa/y' },
    { type: 'IP_ADDRESS', value: '127.0.0.1' },
    { type: 'EMAIL', value: 'ops@example.com' },
  ]);
  assert.deepEqual(subjectAltNames('DNS:"a, b.example.com", IP Address:0:0:0:0:0:0:0:1'), [
    { type: 'DNS', value: 'a, b.example.com' },
    { type: 'IP_ADDRESS', value: '::1' },
  ]);
  assert.deepEqual(subjectAltNames(undefined), []);
});

test('DNS names: case-insensitive, and a wildcard SAN covers exactly one label', () => {
  assert.equal(dnsNameMatch('API.example.com', 'api.EXAMPLE.com'), true);
  assert.equal(dnsNameMatch('api.example.com', '*.example.com'), true);
  assert.equal(dnsNameMatch('a.b.example.com', '*.example.com'), false);
  assert.equal(dnsNameMatch('example.com', '*.example.com'), false);
  assert.equal(dnsNameMatch('api.example.com', 'api.example.org'), false);
});

test('SAN matchers: the type must agree, StringMatcher kinds apply, ANY takes every type', () => {
  const dns = { type: 'DNS' as const, value: '*.svc.example.com' };
  const uri = { type: 'URI' as const, value: 'spiffe://td/ns/prod/sa/api' };
  const m = (type: SanMatcher['type'], matcher: Record<string, unknown>): SanMatcher => ({ type, matcher });
  assert.equal(sanMatches(m('DNS', { exact: 'orders.svc.example.com' }), dns), true, 'exact DNS follows the wildcard rule');
  assert.equal(sanMatches(m('URI', { exact: 'orders.svc.example.com' }), dns), false, 'type mismatch');
  assert.equal(sanMatches(m('URI', { prefix: 'spiffe://td/ns/prod/' }), uri), true);
  assert.equal(sanMatches(m('URI', { suffix: '/sa/api' }), uri), true);
  assert.equal(sanMatches(m('URI', { safe_regex: { regex: 'spiffe://td/ns/[a-z]+/sa/api' } }), uri), true);
  assert.equal(sanMatches(m('URI', { exact: 'SPIFFE://TD/NS/PROD/SA/API', ignore_case: true }), uri), true);
  assert.equal(sanMatches(m('URI', { exact: 'spiffe://td/ns/dev/sa/api' }), uri), false);
  assert.equal(sanMatches(m('ANY', { contains: '/ns/prod/' }), uri), true);
  assert.equal(sanMatches(m('IP_ADDRESS', { exact: '::1' }), { type: 'IP_ADDRESS', value: '::1' }), true);
});

test('transport failure reasons: verification, TLS alerts, interrupted handshakes; nothing for TCP refusals', () => {
  const err = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
  assert.equal(transportFailureReason(err('ERR_UPSTREAM_TLS_VERIFY', 'verify cert failed: SAN matcher'), true), 'TLS_error: CERTIFICATE_VERIFY_FAILED: verify cert failed: SAN matcher');
  assert.equal(transportFailureReason(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), true),
    'TLS_error: CERTIFICATE_VERIFY_FAILED: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
  assert.equal(transportFailureReason(err('ERR_SSL_WRONG_VERSION_NUMBER', 'long openssl text', { reason: 'wrong version number' }), true), 'TLS_error: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)');
  assert.equal(transportFailureReason(err('ERR_HTTP2_STREAM_CANCEL', 'canceled', { cause: err('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'x', { reason: 'tlsv1 alert unknown ca' }) }), false),
    'TLS_error: tlsv1 alert unknown ca (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)');
  assert.equal(transportFailureReason(err('EPROTO', 'write EPROTO 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/rec_layer_s3.c:1601:SSL alert number 40\n'), true),
    'TLS_error: sslv3 alert handshake failure (EPROTO)');
  assert.equal(transportFailureReason(err('ECONNRESET', 'socket hang up'), true), 'TLS_error: connection reset during the handshake (ECONNRESET)');
  assert.equal(transportFailureReason(err('ECONNREFUSED', 'connect ECONNREFUSED'), false), undefined);
});
