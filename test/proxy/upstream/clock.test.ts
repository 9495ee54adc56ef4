// The hand-driven clock the upstream tests (and the lead's) rely on, and the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, systemClock } from '../../../src/proxy/upstream/clock.js';

test('ManualClock runs due timers in order at their due time, including ones set meanwhile', () => {
  const c = new ManualClock(100);
  const seen: string[] = [];
  c.setTimeout(() => seen.push(`b@${c.now()}`), 20);
  c.setTimeout(() => {
    seen.push(`a@${c.now()}`);
    c.setTimeout(() => seen.push(`c@${c.now()}`), 5);
  }, 10);
  const dropped = c.setTimeout(() => seen.push('never'), 15);
  c.clearTimeout(dropped);
  c.advance(50);
  assert.deepEqual(seen, ['a@110', 'c@115', 'b@120']);
  assert.equal(c.now(), 150);
  assert.equal(c.pending, 0);
});

test('the system clock is monotonic; its timers fire but do not keep the process alive', async (t) => {
  // The clock's timers are unref'd, so something else must hold the event loop while waiting.
  const hold = setInterval(() => {}, 1000);
  t.after(() => clearInterval(hold));
  const a = systemClock.now();
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
  assert.ok(systemClock.now() >= a);
  const h = systemClock.setTimeout(() => assert.fail('cleared'), 1) as NodeJS.Timeout;
  assert.equal(h.hasRef(), false);
  systemClock.clearTimeout(h);
});
