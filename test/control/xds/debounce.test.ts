import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { Debouncer, type PendingPush } from '../../../src/control/xds/debounce.js';
import { ManualTimers } from './harness.js';

const proxy = (namespace: string): ProxyNode => ({ id: namespace, type: 'sidecar', namespace, labels: {}, ips: [], metadata: {} });

describe('Debouncer', () => {
  it('coalesces updates in one window: last snapshot wins, predicates are OR-ed', () => {
    const timers = new ManualTimers();
    let now = 1000;
    const flushed: PendingPush<string>[] = [];
    const debouncer = new Debouncer<string>(100, timers, () => now, (p) => flushed.push(p));
    debouncer.add('v1', (p) => p.namespace === 'a');
    now = 1050;
    debouncer.add('v2', (p) => p.namespace === 'b');
    assert.equal(timers.pending.size, 1, 'one timer for the window, not one per update');
    assert.equal(flushed.length, 0);
    timers.fireAll();
    assert.equal(flushed.length, 1);
    const push = flushed[0]!;
    assert.equal(push.snapshot, 'v2');
    assert.equal(push.since, 1000);
    assert.ok(push.affects?.(proxy('a')));
    assert.ok(push.affects?.(proxy('b')));
    assert.ok(!push.affects?.(proxy('c')));
  });

  it('an update without a predicate makes the batch affect everyone', () => {
    const timers = new ManualTimers();
    const flushed: PendingPush<string>[] = [];
    const debouncer = new Debouncer<string>(100, timers, () => 0, (p) => flushed.push(p));
    debouncer.add('v1', () => false);
    debouncer.add('v2', undefined);
    debouncer.add('v3', () => false);
    debouncer.flushNow();
    assert.equal(flushed[0]?.affects, undefined);
    assert.equal(timers.pending.size, 0, 'flushNow clears the window timer');
    debouncer.flushNow();
    assert.equal(flushed.length, 1, 'nothing pending, nothing flushed');
  });
});
