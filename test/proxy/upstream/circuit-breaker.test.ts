// Circuit breaker limits from the cluster, counting, overflow and the retry budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, DEFAULT_LIMITS, OVERLOAD_RESPONSE, circuitLimits } from '../../../src/proxy/upstream/circuit-breaker.js';

test('limits come from the DEFAULT-priority thresholds, else Envoy\'s defaults', () => {
  assert.deepEqual(circuitLimits({}), DEFAULT_LIMITS);
  assert.deepEqual(circuitLimits({ circuit_breakers: { thresholds: [
    { priority: 'HIGH', max_connections: { value: 1 } },
    { max_connections: { value: 10 }, max_pending_requests: { value: 20 }, max_requests: { value: 30 }, max_retries: { value: 4 } },
  ] } }), { connections: 10, pending: 20, requests: 30, retries: 4 });
  assert.deepEqual(circuitLimits({ circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: { value: 7 } }] } }), { ...DEFAULT_LIMITS, requests: 7 });
});

test('tryAcquire takes a unit until the limit, then refuses and counts the overflow', () => {
  const cb = CircuitBreaker.fromCluster({ circuit_breakers: { thresholds: [{ max_requests: { value: 2 }, max_pending_requests: { value: 1 } }] } });
  assert.equal(cb.tryAcquire('requests'), true);
  assert.equal(cb.tryAcquire('requests'), true);
  assert.equal(cb.canAcquire('requests'), false);
  assert.equal(cb.tryAcquire('requests'), false);
  assert.deepEqual([cb.count('requests'), cb.remaining('requests'), cb.overflows.requests], [2, 0, 1]);
  cb.release('requests');
  assert.equal(cb.tryAcquire('requests'), true);
  assert.equal(cb.tryAcquire('pending'), true);
  assert.equal(cb.tryAcquire('pending'), false);
  cb.release('connections');
  assert.equal(cb.count('connections'), 0, 'releasing what was never taken does not go negative');
  assert.deepEqual(OVERLOAD_RESPONSE, { status: 503, responseFlag: 'UO', headers: { 'x-envoy-overloaded': 'true' } });
});

test('a retry budget replaces max_retries: a share of active+pending, never below the minimum', () => {
  const cb = CircuitBreaker.fromCluster({ circuit_breakers: { thresholds: [{ max_retries: { value: 100 }, retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: { value: 2 } } }] } });
  assert.equal(cb.limit('retries'), 2);
  for (let i = 0; i < 16; i++) cb.tryAcquire('requests');
  for (let i = 0; i < 4; i++) cb.tryAcquire('pending');
  assert.equal(cb.limit('retries'), 5);
  const defaults = CircuitBreaker.fromCluster({ circuit_breakers: { thresholds: [{ retry_budget: {} }] } });
  assert.deepEqual(defaults.limits.retryBudget, { budgetPercent: 20, minRetryConcurrency: 3 });
  assert.equal(defaults.tryAcquire('retries') && defaults.tryAcquire('retries') && defaults.tryAcquire('retries'), true);
  assert.equal(defaults.tryAcquire('retries'), false);
});
