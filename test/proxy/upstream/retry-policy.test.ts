// RouteAction.retry_policy decisions and backoff, as Envoy's retry state makes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRetryPolicy, RetryPolicy, type RetryOutcome } from '../../../src/proxy/upstream/retry-policy.js';

const policy = (retryOn: string, extra: Record<string, unknown> = {}) => new RetryPolicy({ retry_on: retryOn, ...extra });
const resp = (status: number, more: Partial<RetryOutcome> = {}): RetryOutcome => ({ kind: 'response', status, ...more });
const kinds = ['connect-failure', 'reset', 'refused-stream', 'timeout'] as const;

test('defaults: one retry, 25 ms base and 250 ms max backoff; no policy → undefined', () => {
  const p = policy('5xx');
  assert.deepEqual([p.numRetries, p.perTryTimeoutMs, p.baseIntervalMs, p.maxIntervalMs, p.previousHosts, p.hostSelectionMaxAttempts], [1, undefined, 25, 250, false, 1]);
  assert.equal(compileRetryPolicy(undefined), undefined);
  assert.deepEqual([...policy(' 5xx , bogus,reset ').retryOn], ['5xx', 'reset']);
  assert.deepEqual(policy('5xx,bogus').unknownRetryOn, ['bogus']);
});

test('5xx, gateway-error and reset retry every kind of reset; the narrow ones only their own', () => {
  for (const on of ['5xx', 'gateway-error', 'reset']) for (const kind of kinds) assert.equal(policy(on).shouldRetry({ kind }), true, `${on} ${kind}`);
  assert.deepEqual(kinds.map((kind) => policy('connect-failure').shouldRetry({ kind })), [true, false, false, false]);
  assert.deepEqual(kinds.map((kind) => policy('refused-stream').shouldRetry({ kind })), [false, false, true, false]);
  assert.equal(policy('reset-before-request').shouldRetry({ kind: 'reset', requestSent: false }), true);
  assert.equal(policy('reset-before-request').shouldRetry({ kind: 'reset', requestSent: true }), false);
  assert.equal(policy('retriable-4xx').shouldRetry({ kind: 'reset' }), false);
});

test('response conditions: 5xx, gateway errors, 409, listed codes, headers', () => {
  assert.deepEqual([500, 503, 404, 200].map((s) => policy('5xx').shouldRetry(resp(s))), [true, true, false, false]);
  assert.deepEqual([500, 502, 503, 504].map((s) => policy('gateway-error').shouldRetry(resp(s))), [false, true, true, true]);
  assert.deepEqual([409, 429].map((s) => policy('retriable-4xx').shouldRetry(resp(s))), [true, false]);
  const codes = policy('retriable-status-codes', { retriable_status_codes: [503, 429] });
  assert.deepEqual([503, 429, 500].map((s) => codes.shouldRetry(resp(s))), [true, true, false]);
  assert.equal(policy('connect-failure', { retriable_status_codes: [503] }).shouldRetry(resp(503)), false, 'codes need retriable-status-codes in retry_on');
  const headers = policy('retriable-headers', { retriable_headers: [{ name: 'X-Retry', string_match: { exact: 'yes' } }] });
  assert.equal(headers.shouldRetry(resp(200, { headers: { 'x-retry': 'yes' } })), true);
  assert.equal(headers.shouldRetry(resp(200, { headers: { 'x-retry': 'no' } })), false);
});

test('x-envoy-ratelimited responses are retried only under envoy-ratelimited', () => {
  const limited = resp(503, { headers: { 'x-envoy-ratelimited': 'true' } });
  assert.equal(policy('5xx').shouldRetry(limited), false);
  assert.equal(policy('envoy-ratelimited').shouldRetry(limited), true);
});

test('gRPC conditions match grpc-status from the outcome or the response headers', () => {
  const p = policy('cancelled,deadline-exceeded,internal,resource-exhausted,unavailable');
  assert.deepEqual([1, 4, 8, 13, 14, 2, 0].map((g) => p.shouldRetry(resp(200, { grpcStatus: g }))), [true, true, true, true, true, false, false]);
  assert.equal(policy('unavailable').shouldRetry(resp(200, { headers: { 'grpc-status': '14' } })), true);
  assert.equal(policy('unavailable').shouldRetry(resp(200, { headers: { 'grpc-status': '13' } })), false);
  assert.equal(policy('unavailable').shouldRetry(resp(200)), false);
});

test('settings: retries, per-try timeout, backoff, previous-hosts predicate', () => {
  const p = compileRetryPolicy({
    retry_on: '5xx', num_retries: { value: 3 }, per_try_timeout: { seconds: '2', nanos: 500_000_000 },
    retry_back_off: { base_interval: { nanos: 100_000_000 }, max_interval: { seconds: '1' } },
    retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5',
  });
  assert.ok(p);
  assert.deepEqual([p.numRetries, p.perTryTimeoutMs, p.baseIntervalMs, p.maxIntervalMs, p.previousHosts, p.hostSelectionMaxAttempts], [3, 2500, 100, 1000, true, 5]);
  assert.throws(() => compileRetryPolicy({ retry_back_off: { base_interval: { seconds: '2' }, max_interval: { seconds: '1' } } }), /max_interval/);
});

test('backoff is fully jittered below a ceiling that doubles up to max_interval', () => {
  const p = policy('5xx');
  const top = () => 0.999999;
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => p.backoffMs(n, top)), [24, 49, 99, 199, 249, 249]);
  assert.deepEqual([1, 5].map((n) => p.backoffMs(n, () => 0)), [0, 0]);
  for (let n = 1; n < 10; n++) {
    const d = p.backoffMs(n, Math.random);
    assert.ok(d >= 0 && d < Math.min(25 * 2 ** (n - 1), 250));
  }
});
