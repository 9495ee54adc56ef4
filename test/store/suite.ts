// The behaviour every ConfigStore backend must share, run once per backend (as hono runs one
// router suite against every router). A backend that cannot meet a case must say why it skips it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactedError, ConflictError, NotFoundError, StoreClosedError, ValidationError, type ConfigStore } from '../../src/store/index.js';
import { collect, gateway, policy, relabel, settle, summary } from './helpers.js';

export interface StoreFixture {
  store: ConfigStore;
  cleanup(): Promise<void>;
}

export type StoreFactory = (opts?: { historyLimit?: number }) => Promise<StoreFixture>;

const T = { timeout: 30_000 };

export function runStoreSuite(backend: string, factory: StoreFactory): void {
  async function withStore(fn: (store: ConfigStore) => Promise<void>, opts?: { historyLimit?: number }): Promise<void> {
    const { store, cleanup } = await factory(opts);
    try {
      await fn(store);
    } finally {
      await store.close();
      await cleanup();
    }
  }

  test(`${backend}: apply creates, get and list read back, revision counts changes`, T, () => withStore(async (store) => {
    const r0 = store.revision();
    const a = await store.apply(gateway('a', 'prod'));
    const b = await store.apply({ ...gateway('b'), metadata: { name: 'b' } });
    const p = await store.apply(policy('p', 'prod'));
    assert.equal(store.revision(), r0 + 3);
    assert.equal(a.metadata.resourceVersion, String(r0 + 1));
    assert.equal(b.metadata.namespace, 'default', 'namespace defaults as kubectl does');
    assert.deepEqual(store.get('Gateway', 'prod', 'a'), a);
    assert.equal(store.get('Gateway', 'prod', 'missing'), undefined);
    assert.deepEqual(store.list().map((r) => r.metadata.name), ['p', 'b', 'a'], 'ordered by Kind/namespace/name');
    assert.deepEqual(store.list({ kind: 'Gateway' }), [b, a]);
    assert.deepEqual(store.list({ namespace: 'prod' }), [p, a]);
    assert.deepEqual(store.list({ kind: 'Gateway', namespace: 'prod' }), [a]);
  }));

  test(`${backend}: apply without resourceVersion overwrites; applying the same content is a no-op`, T, () => withStore(async (store) => {
    const v1 = await store.apply(gateway('a', 'default', { v: '1' }));
    const v2 = await store.apply(gateway('a', 'default', { v: '2' }));
    assert.equal(Number(v2.metadata.resourceVersion), Number(v1.metadata.resourceVersion) + 1);
    assert.deepEqual(v2.metadata.labels, { v: '2' });
    const again = await store.apply(gateway('a', 'default', { v: '2' }));
    assert.equal(again.metadata.resourceVersion, v2.metadata.resourceVersion);
    assert.equal(store.revision(), Number(v2.metadata.resourceVersion));
  }));

  test(`${backend}: resourceVersion is a precondition`, T, () => withStore(async (store) => {
    const v1 = await store.apply(gateway('a'));
    const v2 = await store.apply(relabel(v1, { v: '2' }, v1.metadata.resourceVersion));
    assert.notEqual(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
    const stale = relabel(v1, { v: '3' }, v1.metadata.resourceVersion);
    await assert.rejects(store.apply(stale), (e: unknown) => {
      assert.ok(e instanceof ConflictError);
      assert.equal(e.code, 'CONFLICT');
      assert.equal(e.key, 'Gateway/default/a');
      assert.equal(e.requested, v1.metadata.resourceVersion);
      assert.equal(e.stored, v2.metadata.resourceVersion);
      assert.match(e.message, /Gateway\/default\/a/);
      assert.match(e.message, /re-read/);
      return true;
    });
    assert.deepEqual(store.get('Gateway', 'default', 'a'), v2, 'the conflicting write changed nothing');
  }));

  test(`${backend}: creating with a resourceVersion conflicts`, T, () => withStore(async (store) => {
    const r0 = store.revision();
    await assert.rejects(store.apply({ ...gateway('new'), metadata: { name: 'new', namespace: 'default', resourceVersion: '1' } }), (e: unknown) => {
      assert.ok(e instanceof ConflictError);
      assert.equal(e.stored, undefined);
      assert.match(e.message, /does not exist/);
      return true;
    });
    assert.equal(store.get('Gateway', 'default', 'new'), undefined);
    assert.equal(store.revision(), r0);
  }));

  test(`${backend}: of N concurrent writers holding the same resourceVersion exactly one wins`, T, () => withStore(async (store) => {
    const read = await store.apply(gateway('contended'));
    const n = 12;
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => store.apply(relabel(read, { writer: String(i) }, read.metadata.resourceVersion))),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, n - 1);
    for (const r of lost) assert.ok(r.reason instanceof ConflictError, String(r.reason));
    const winner = (won[0] as PromiseFulfilledResult<unknown>).value;
    assert.deepEqual(store.get('Gateway', 'default', 'contended'), winner);
  }));

  test(`${backend}: delete removes; absent → NotFoundError; stale version → ConflictError`, T, () => withStore(async (store) => {
    const v1 = await store.apply(gateway('a'));
    const v2 = await store.apply(relabel(v1, { v: '2' }));
    await assert.rejects(store.delete('Gateway', 'default', 'nope'), (e: unknown) => e instanceof NotFoundError && e.code === 'NOT_FOUND' && /Gateway\/default\/nope/.test(e.message));
    await assert.rejects(store.delete('Gateway', 'default', 'a', { resourceVersion: v1.metadata.resourceVersion }), ConflictError);
    assert.ok(store.get('Gateway', 'default', 'a'));
    await store.delete('Gateway', 'default', 'a', { resourceVersion: v2.metadata.resourceVersion });
    assert.equal(store.get('Gateway', 'default', 'a'), undefined);
    assert.equal(store.revision(), Number(v2.metadata.resourceVersion) + 1);
    await assert.rejects(store.delete('Gateway', 'default', 'a'), NotFoundError);
  }));

  test(`${backend}: a watch replays every later change once, then live changes once each, in order`, T, () => withStore(async (store) => {
    const a = await store.apply(gateway('a'));
    const from = store.revision();
    await store.apply(relabel(a, { v: '2' }));
    await store.apply(policy('p'));
    await store.delete('Gateway', 'default', 'a');
    const c = collect(store, from);
    const late = collect(store, store.revision());
    await c.until(3);
    const b = await store.apply(gateway('b'));
    await store.apply(relabel(b, { v: '2' }));
    const seen = await settle(store, c);
    assert.deepEqual(summary(seen), [
      'MODIFIED Gateway/default/a', 'ADDED AuthorizationPolicy/default/p', 'DELETED Gateway/default/a',
      'ADDED Gateway/default/b', 'MODIFIED Gateway/default/b',
    ]);
    const revisions = c.events.map((e) => e.revision);
    assert.deepEqual(revisions, Array.from({ length: revisions.length }, (_, i) => from + 1 + i), 'contiguous, each once');
    for (const e of c.events) assert.equal(e.resource.metadata.resourceVersion, String(e.revision));
    assert.deepEqual(summary(await settle(store, late)), ['ADDED Gateway/default/b', 'MODIFIED Gateway/default/b']);
    c.close();
    late.close();
  }));

  test(`${backend}: a closed watch gets nothing more; a throwing handler does not stop delivery`, T, () => withStore(async (store) => {
    const from = store.revision();
    const closed = collect(store, from);
    closed.close();
    const failures: unknown[] = [];
    const seen: number[] = [];
    let failedTwice!: () => void;
    const bothFailed = new Promise<void>((resolve) => (failedTwice = resolve));
    store.watch(from, (e) => {
      seen.push(e.revision);
      throw new Error('handler bug');
    }, (err) => {
      failures.push(err);
      if (failures.length === 2) failedTwice();
    });
    const c = collect(store, from);
    await store.apply(gateway('a'));
    await store.apply(gateway('b'));
    await c.until(2);
    await bothFailed;
    assert.equal(closed.events.length, 0);
    assert.deepEqual(seen, [from + 1, from + 2]);
    assert.equal(failures.length, 2);
  }));

  test(`${backend}: watching from before the retained history fails with COMPACTED`, T, () => withStore(async (store) => {
    const r0 = store.revision();
    for (let i = 0; i < 5; i++) await store.apply(gateway(`g${i}`));
    assert.throws(() => store.watch(r0 + 1, () => {}), (e: unknown) => {
      assert.ok(e instanceof CompactedError);
      assert.equal(e.code, 'COMPACTED');
      assert.equal(e.compacted, r0 + 2);
      assert.match(e.message, /list the resources again/);
      return true;
    });
    const c = collect(store, r0 + 2); // the oldest revision still watchable
    const events = await c.until(3);
    assert.deepEqual(summary(events), ['ADDED Gateway/default/g2', 'ADDED Gateway/default/g3', 'ADDED Gateway/default/g4']);
    c.close();
  }, { historyLimit: 3 }));

  test(`${backend}: an invalid resource is refused and nothing is stored`, T, () => withStore(async (store) => {
    const r0 = store.revision();
    const bad = [
      { input: { ...gateway('a'), spec: { ...gateway('a').spec, bogus: 1 } }, code: 'UNKNOWN_FIELD', path: 'spec.bogus' },
      { input: { ...gateway('a'), metadata: { name: 'Bad_Name' } }, code: 'INVALID_METADATA', path: 'metadata.name' },
      { input: { ...gateway('a'), kind: 'Gateways' }, code: 'UNKNOWN_KIND', path: 'kind' },
      { input: { kind: 'Gateway' }, code: 'NOT_A_RESOURCE', path: 'apiVersion' },
    ];
    for (const { input, code, path } of bad) {
      await assert.rejects(store.apply(input as Record<string, unknown>), (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.equal(e.code, 'INVALID');
        assert.equal(e.errors[0]?.code, code);
        assert.equal(e.errors[0]?.path, path);
        return true;
      });
    }
    await assert.rejects(store.apply(null as unknown as Record<string, unknown>), ValidationError);
    assert.deepEqual(store.list(), []);
    assert.equal(store.revision(), r0);
  }));

  test(`${backend}: dry run checks everything but stores nothing`, T, () => withStore(async (store) => {
    const r0 = store.revision();
    const out = await store.apply(gateway('a'), { dryRun: true });
    assert.equal(out.metadata.name, 'a');
    assert.equal(store.get('Gateway', 'default', 'a'), undefined);
    assert.equal(store.revision(), r0);
    await assert.rejects(store.apply({ ...gateway('a'), metadata: { name: 'a', resourceVersion: '7' } }, { dryRun: true }), ConflictError);
  }));

  test(`${backend}: stored resources are frozen, so a reader cannot change what others see`, T, () => withStore(async (store) => {
    const input = gateway('a', 'default', { v: '1' });
    const stored = await store.apply(input);
    assert.throws(() => {
      (stored.metadata.labels as Record<string, string>).v = '2';
    }, TypeError);
    input.metadata.labels = { v: 'changed-after' };
    assert.deepEqual(store.get('Gateway', 'default', 'a')?.metadata.labels, { v: '1' });
  }));

  test(`${backend}: a closed store refuses calls with a typed error`, T, async () => {
    const { store, cleanup } = await factory();
    await store.close();
    await assert.rejects(store.apply(gateway('a')), StoreClosedError);
    await assert.rejects(store.delete('Gateway', 'default', 'a'), StoreClosedError);
    assert.throws(() => store.watch(0, () => {}), StoreClosedError);
    await store.close(); // closing twice is fine
    await cleanup();
  });
}
