// Outlier detection on a hand-driven clock: consecutive-error ejection, the ejection percent
// cap, ejection time backoff, success-rate and failure-percentage sweeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/proxy/upstream/clock.js';
import { OutlierDetector, outlierConfig, type OutlierOutcome } from '../../../src/proxy/upstream/outlier.js';
import type { UpstreamHost } from '../../../src/proxy/upstream/host.js';
import { hosts } from './helpers.js';

function detector(od: Record<string, unknown>, count = 10) {
  const clock = new ManualClock();
  const changes: string[] = [];
  const pool = hosts(count);
  const d = OutlierDetector.fromCluster({ outlier_detection: od }, {
    clock, random: () => 0, onChange: (h, ejected) => changes.push(`${ejected ? 'out' : 'in'} ${h.key}@${clock.now()}`),
  }, pool);
  assert.ok(d);
  return { d, clock, changes, pool };
}
const report = (d: OutlierDetector, h: UpstreamHost, outcome: OutlierOutcome, times: number) => { for (let i = 0; i < times; i++) d.report(h, outcome); };

test('defaults follow Envoy, and max_ejection_time may not undercut base_ejection_time', () => {
  const c = outlierConfig({});
  assert.deepEqual(
    [c.consecutive5xx, c.consecutiveGatewayFailure, c.intervalMs, c.baseEjectionTimeMs, c.maxEjectionTimeMs, c.maxEjectionPercent, c.successRateMinimumHosts, c.successRateRequestVolume, c.successRateStdevFactor, c.failurePercentageThreshold, c.failurePercentageMinimumHosts, c.failurePercentageRequestVolume],
    [5, 5, 10_000, 30_000, 300_000, 10, 5, 100, 1900, 85, 5, 50]);
  assert.deepEqual(c.enforcing, { consecutive_5xx: 100, consecutive_gateway_failure: 0, consecutive_local_origin_failure: 100, success_rate: 100, success_rate_local_origin: 100, failure_percentage: 0, failure_percentage_local_origin: 0 });
  assert.equal(outlierConfig({ base_ejection_time: { seconds: '400' } }).maxEjectionTimeMs, 400_000);
  assert.throws(() => outlierConfig({ base_ejection_time: { seconds: '60' }, max_ejection_time: { seconds: '30' } }), /max_ejection_time/);
  assert.equal(OutlierDetector.fromCluster({}, { clock: new ManualClock() }), undefined);
});

test('five 5xx in a row eject a host for base_ejection_time; it returns at the next sweep after', () => {
  const { d, clock, changes, pool } = detector({});
  const h = pool[0];
  clock.advance(1000);
  report(d, h, 500, 4);
  d.report(h, 200);
  report(d, h, 503, 4);
  assert.equal(h.outlier.ejected, false, 'a success in between starts the count again');
  d.report(h, 500);
  assert.deepEqual(h.outlier, { ejected: true, ejectedUntil: 31_000, timesEjected: 1 });
  assert.deepEqual(changes, ['out 10.0.0.0:8080@1000']);
  clock.advance(30_000); // sweeps at 10, 20, 30 s: not yet
  assert.equal(h.outlier.ejected, true);
  clock.advance(9_000); // sweep at 40 s
  assert.equal(h.outlier.ejected, false);
  assert.deepEqual(changes, ['out 10.0.0.0:8080@1000', 'in 10.0.0.0:8080@40000']);
  d.close();
  assert.equal(clock.pending, 0);
});

test('without the local/external split, connect failures and resets count as 503, timeouts as 504', () => {
  const { d, pool } = detector({ consecutive_5xx: { value: 3 } });
  report(d, pool[0], 'connect-failure', 2);
  d.report(pool[0], 'reset');
  assert.equal(pool[0].outlier.ejected, true);
  const g = detector({ consecutive_5xx: { value: 100 }, consecutive_gateway_failure: { value: 2 }, enforcing_consecutive_gateway_failure: { value: 100 } });
  report(g.d, g.pool[0], 'timeout', 2);
  assert.equal(g.pool[0].outlier.ejected, true);
  d.close();
  g.d.close();
});

test('gateway failures are detected but not enforced by default', () => {
  const { d, pool } = detector({ consecutive_5xx: { value: 100 } });
  report(d, pool[0], 502, 5);
  assert.equal(pool[0].outlier.ejected, false);
  assert.deepEqual(d.stats.detected, { consecutive_gateway_failure: 1 });
  assert.deepEqual(d.stats.enforced, {});
  report(d, pool[1], 500, 2);
  d.report(pool[1], 503);
  assert.equal(d.stats.detected.consecutive_gateway_failure, 1, 'a 500 breaks a run of gateway errors');
  d.close();
});

test('with split_external_local_origin_errors, local failures have their own count', () => {
  const { d, pool } = detector({ split_external_local_origin_errors: true, consecutive_local_origin_failure: { value: 2 }, consecutive_5xx: { value: 2 } });
  d.report(pool[0], 'connect-failure');
  d.report(pool[0], 500); // a response: the connection worked, local count starts over
  d.report(pool[0], 'timeout');
  assert.equal(pool[0].outlier.ejected, false);
  d.report(pool[0], 'reset');
  assert.equal(pool[0].outlier.ejected, true);
  assert.deepEqual(d.stats.enforced, { consecutive_local_origin_failure: 1 });
  d.close();
});

test('never more than max_ejection_percent ejected — counting the next one, as Envoy does', () => {
  const few = detector({}, 5);
  report(few.d, few.pool[0], 500, 5);
  assert.equal(few.pool[0].outlier.ejected, false, '1 of 5 is 20% > 10%');
  assert.equal(few.d.stats.overflow, 1);
  const one = detector({ always_eject_one_host: { value: true } }, 5);
  report(one.d, one.pool[0], 500, 5);
  report(one.d, one.pool[1], 500, 5);
  assert.deepEqual(one.pool.map((h) => h.outlier.ejected), [true, false, false, false, false]);
  const half = detector({ max_ejection_percent: { value: 50 } }, 4);
  for (const h of half.pool) report(half.d, h, 500, 5);
  assert.equal(half.d.ejectedCount, 2);
  for (const x of [few, one, half]) x.d.close();
});

test('each ejection lasts longer, up to max_ejection_time; time back in service earns it down', () => {
  const { d, clock, pool } = detector({ interval: { seconds: '1' }, base_ejection_time: { seconds: '10' }, max_ejection_time: { seconds: '25' } });
  const h = pool[0];
  const ejectFor = () => {
    report(d, h, 500, 5);
    assert.equal(h.outlier.ejected, true);
    const length = (h.outlier.ejectedUntil as number) - clock.now();
    while (h.outlier.ejected) clock.advance(1000);
    return length;
  };
  assert.deepEqual([ejectFor(), ejectFor(), ejectFor(), ejectFor()], [10_000, 20_000, 25_000, 25_000]);
  assert.equal(h.outlier.timesEjected, 4);
  // Healthy for a while: each sweep after the first interval back takes one step off.
  clock.advance(10_000);
  assert.equal(ejectFor(), 10_000);
  d.close();
});

test('success-rate ejection: a host far below the others over an interval goes out', () => {
  const { d, clock, pool } = detector({ consecutive_5xx: { value: 1000 } });
  for (const h of pool) report(d, h, 200, 100);
  report(d, pool[9], 500, 50);
  // Hosts 0-8: 100%; host 9: 100 of 150 = 66.7%; mean 96.7, stdev 10: threshold 77.7.
  clock.advance(10_000);
  assert.equal(pool[9].outlier.ejected, true);
  assert.deepEqual(d.stats.enforced, { success_rate: 1 });
  // The next interval has too little traffic: no judgement.
  clock.advance(10_000);
  assert.equal(d.ejectedCount, 1);
  d.close();
});

test('failure-percentage ejection needs enforcing_failure_percentage, then ejects at the threshold', () => {
  for (const enforcing of [undefined, 100]) {
    const { d, clock, pool } = detector({ consecutive_5xx: { value: 1000 }, ...(enforcing ? { enforcing_failure_percentage: { value: enforcing } } : {}) });
    for (const h of pool) report(d, h, 200, 60);
    report(d, pool[3], 500, 400); // 400 of 460 failed: 87%
    clock.advance(10_000);
    assert.equal(pool[3].outlier.ejected, enforcing !== undefined);
    assert.equal(d.stats.detected.failure_percentage, 1);
    d.close();
  }
});

test('hosts leaving the cluster are forgotten; reports for unknown hosts are ignored', () => {
  const { d, pool } = detector({ max_ejection_percent: { value: 100 } }, 3);
  report(d, pool[0], 500, 5);
  assert.equal(d.ejectedCount, 1);
  d.setHosts(pool.slice(1));
  assert.equal(d.ejectedCount, 0);
  report(d, pool[0], 500, 5);
  assert.equal(pool[0].outlier.timesEjected, 1);
  d.close();
});
