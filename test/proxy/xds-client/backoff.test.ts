import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, InvalidBackoffError } from '../../../src/proxy/xds-client/index.js';

test('backoff doubles to its ceiling, jitters below it, and starts over after a reset', () => {
  const top = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => top.next()), [100, 200, 400, 800, 1000, 1000]);
  top.reset();
  assert.equal(top.next(), 100);
  const low = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999999 });
  const first = low.next();
  assert.ok(first > 50 && first <= 50.001, `jittered delay ${first}`);
});

test('backoff options are checked', () => {
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 1, jitter: 0 }), InvalidBackoffError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5, jitter: 0 }), /maxMs/);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 50, jitter: 2 }), /jitter/);
});
