// Random sequences of applies and deletes — with current, stale and missing resourceVersions, and
// partly invalid objects — against both backends. Whatever happens, the store must not crash or
// hang, must fail only with its typed errors, and must end up holding exactly what a plain Map
// of the successful operations holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FileStore, MemoryStore, StoreError, type ConfigStore } from '../../src/store/index.js';
import { gateway, policy, tempDir } from './helpers.js';

type Version = 'none' | 'current' | 'stale';
type Breakage = 'unknownSpecField' | 'badName' | 'unknownKind' | 'noMetadata' | 'wrongTypes' | 'anything';

interface ApplyOp { op: 'apply'; kind: 'Gateway' | 'AuthorizationPolicy'; ns: string; name: string; label: string; version: Version; broken?: Breakage; junk?: unknown }
interface DeleteOp { op: 'delete'; kind: 'Gateway' | 'AuthorizationPolicy'; ns: string; name: string; version: Version }
type Op = ApplyOp | DeleteOp;

const target = {
  kind: fc.constantFrom('Gateway' as const, 'AuthorizationPolicy' as const),
  ns: fc.constantFrom('default', 'prod'),
  name: fc.constantFrom('a', 'b', 'c'),
  version: fc.constantFrom<Version>('none', 'current', 'stale'),
};
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('apply' as const), ...target, label: fc.constantFrom('x', 'y', 'z'), junk: fc.anything({ maxDepth: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('apply' as const), ...target, label: fc.constantFrom('x', 'y'), broken: fc.constantFrom<Breakage>('unknownSpecField', 'badName', 'unknownKind', 'noMetadata', 'wrongTypes', 'anything'), junk: fc.anything({ maxDepth: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), ...target }) },
);

function build(op: ApplyOp, resourceVersion: string | undefined): unknown {
  const base = (op.kind === 'Gateway' ? gateway : policy)(op.name, op.ns, { v: op.label });
  const r = { ...base, metadata: { ...base.metadata, ...(resourceVersion !== undefined ? { resourceVersion } : {}) } };
  switch (op.broken) {
    case undefined: return r;
    case 'unknownSpecField': return { ...r, spec: { ...r.spec, junk: op.junk } };
    case 'badName': return { ...r, metadata: { ...r.metadata, name: `${op.name.toUpperCase()}_!` } };
    case 'unknownKind': return { ...r, kind: `${op.kind}s` };
    case 'noMetadata': return { apiVersion: r.apiVersion, kind: r.kind, spec: r.spec };
    case 'wrongTypes': return { ...r, metadata: { ...r.metadata, labels: op.junk === undefined ? 7 : [op.junk] } };
    case 'anything': return op.junk;
  }
}

interface Model { label: string; rv: string }

async function run(store: ConfigStore, ops: readonly Op[]): Promise<void> {
  const model = new Map<string, Model>();
  const seen: string[] = []; // every resourceVersion ever returned, to pick stale ones from
  for (const op of ops) {
    const key = `${op.kind}/${op.ns}/${op.name}`;
    const current = model.get(key);
    const stale = seen.find((v) => v !== current?.rv) ?? '999999';
    const rv = op.version === 'none' ? undefined : op.version === 'current' ? current?.rv : stale;
    // What the model predicts: which typed error, or success.
    let expected: string | undefined;
    if (op.op === 'apply' && op.broken) expected = 'INVALID';
    else if (op.op === 'delete' && !current) expected = 'NOT_FOUND';
    else if (rv !== undefined && rv !== current?.rv) expected = 'CONFLICT';
    try {
      if (op.op === 'apply') {
        const stored = await store.apply(build(op, rv) as Record<string, unknown>);
        const v = stored.metadata.resourceVersion as string;
        model.set(key, { label: op.label, rv: v });
        seen.push(v);
      } else {
        await store.delete(op.kind, op.ns, op.name, { resourceVersion: rv });
        model.delete(key);
      }
      assert.equal(expected, undefined, `${JSON.stringify(op)} succeeded, expected ${expected}`);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof StoreError, `untyped error for ${JSON.stringify(op)}: ${String(e)}`);
      assert.equal(e.code, expected, `${JSON.stringify(op)}: ${e.message}`);
    }
  }
  const actual = store.list().map((r) => [`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`, { label: r.metadata.labels?.v, rv: r.metadata.resourceVersion }]);
  const wanted = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  assert.deepEqual(actual, wanted);
}

test('property: memory store agrees with a Map model', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
    const store = new MemoryStore({ historyLimit: 8 });
    try {
      await run(store, ops);
    } finally {
      await store.close();
    }
  }), { numRuns: 300 });
});

test('property: file store agrees with a Map model, also after a rescan and a reopen', { timeout: 300_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
    const { dir, cleanup } = await tempDir('isthmus-prop-');
    try {
      const store = await FileStore.open({ dir, debounceMs: 1, leaseSize: 3 });
      let listed: string[];
      try {
        await run(store, ops);
        listed = store.list().map((r) => JSON.stringify({ ...r, metadata: { ...r.metadata, resourceVersion: undefined } }));
        const before = store.revision();
        await store.rescan(); // reading our own files back changes nothing
        assert.equal(store.revision(), before);
      } finally {
        await store.close();
      }
      const reopened = await FileStore.open({ dir, watch: false });
      try {
        const again = reopened.list().map((r) => JSON.stringify({ ...r, metadata: { ...r.metadata, resourceVersion: undefined } }));
        assert.deepEqual(again, listed, 'the files hold what the store said it held');
        assert.deepEqual(reopened.errors(), []);
      } finally {
        await reopened.close();
      }
    } finally {
      await cleanup();
    }
  }), { numRuns: 40 });
});
