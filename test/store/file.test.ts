import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigError } from '../../src/api/index.js';
import { BadFileError, ConflictError, FileStore, openStore, type ConfigStore } from '../../src/store/index.js';
import { collect, gateway, relabel, settle, summary, tempDir, writeWhole } from './helpers.js';
import { runStoreSuite } from './suite.js';

runStoreSuite('file', async (opts) => {
  const { dir, cleanup } = await tempDir();
  const store = await FileStore.open({ dir, historyLimit: opts?.historyLimit, debounceMs: 5 });
  return { store, cleanup };
});

const T = { timeout: 30_000 };

const GW = (name: string, ns = 'default', label = '1') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {v: "${label}"}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await fn(dir);
  } finally {
    await cleanup();
  }
}

/** Resolves with the next error list that satisfies `pred` (checked against the current one first). */
function errorsWhere(store: ConfigStore, pred: (errors: readonly ConfigError[]) => boolean): Promise<readonly ConfigError[]> {
  return new Promise((resolve) => {
    if (pred(store.errors())) return resolve(store.errors());
    const sub = store.onErrors((errors) => {
      if (!pred(errors)) return;
      sub.close();
      resolve(errors);
    });
  });
}

const names = (store: ConfigStore) => store.list().map((r) => r.metadata.name);

test('file: loads every YAML/JSON file recursively; a bad file is reported and does not hide the others', T, () => withDir(async (dir) => {
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'a.yaml'), GW('a'));
  await writeFile(join(dir, 'nested', 'deeper', 'b.yml'), GW('b'));
  await writeFile(join(dir, 'nested', 'c.json'), JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'c' }, spec: { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } }));
  await writeFile(join(dir, 'broken.yaml'), 'apiVersion: networking.istio.io/v1\nkind: [Gateway\n');
  await writeFile(join(dir, 'README.md'), 'not config');
  const store = await FileStore.open({ dir, watch: false });
  try {
    assert.deepEqual(names(store), ['a', 'b', 'c']);
    assert.equal(store.errors().length, 1);
    assert.equal(store.errors()[0]?.code, 'YAML_SYNTAX');
    assert.equal(store.errors()[0]?.position.file, join(dir, 'broken.yaml'));
    assert.equal(store.errors()[0]?.position.line, 3, 'the unclosed [ is reported where the text ends');
  } finally {
    await store.close();
  }
}));

test('file: a file that turns bad keeps its last good resources, and recovers when fixed', T, () => withDir(async (dir) => {
  await writeFile(join(dir, 'a.yaml'), GW('a'));
  await writeFile(join(dir, 'b.yaml'), `${GW('b1')}---\n${GW('b2')}`);
  const store = await FileStore.open({ dir, debounceMs: 5 });
  try {
    const c = collect(store, store.revision());
    const notified: (readonly ConfigError[])[] = [];
    store.onErrors((e) => notified.push(e));
    // Syntax error: the whole file is unreadable.
    await writeWhole(join(dir, 'b.yaml'), `${GW('b1')}---\nkind: [oops\n`);
    const errors = await errorsWhere(store, (e) => e.length > 0);
    assert.equal(errors[0]?.code, 'YAML_SYNTAX');
    assert.deepEqual(names(store), ['a', 'b1', 'b2'], 'nothing is lost');
    // Schema error in one document, while the other changes: still nothing from this file moves.
    await writeWhole(join(dir, 'b.yaml'), `${GW('b1', 'default', 'changed')}---\n${GW('b2').replace('number: 80', 'number: 99999')}`);
    await errorsWhere(store, (e) => e[0]?.code === 'INVALID_VALUE');
    assert.equal(store.errors()[0]?.path, 'spec.servers[0].port.number');
    assert.equal(store.errors()[0]?.position.line, 20);
    assert.deepEqual(store.get('Gateway', 'default', 'b1')?.metadata.labels, { v: '1' }, 'the good document waits for the file to be fixed');
    // Fixed: exactly the difference from the last good state is published.
    await writeWhole(join(dir, 'b.yaml'), `${GW('b1', 'default', 'changed')}---\n${GW('b2')}`);
    await errorsWhere(store, (e) => e.length === 0);
    assert.deepEqual(summary(await settle(store, c)), ['MODIFIED Gateway/default/b1']);
    assert.ok(notified.length >= 3, 'each change of the error list was notified');
    assert.deepEqual(notified.at(-1), []);
    c.close();
  } finally {
    await store.close();
  }
}));

test('file: an outside edit produces exactly the matching events', T, () => withDir(async (dir) => {
  await writeFile(join(dir, 'app.yaml'), `${GW('x')}---\n${GW('y')}---\n${GW('same')}`);
  const store = await FileStore.open({ dir, debounceMs: 5 });
  try {
    const c = collect(store, store.revision());
    // In one file: x modified, y removed, z added, `same` reordered but unchanged; plus a new file.
    await writeWhole(join(dir, 'app.yaml'), `# edited by hand\n${GW('same')}---\n${GW('x', 'default', '2')}---\n${GW('z')}`);
    await mkdir(join(dir, 'more'));
    await writeWhole(join(dir, 'more', 'w.yaml'), GW('w', 'other'));
    await c.until(4); // the watcher, not us, notices the edits
    const first = await settle(store, c);
    assert.deepEqual(summary(first).sort(), [
      'ADDED Gateway/default/z', 'ADDED Gateway/other/w', 'DELETED Gateway/default/y', 'MODIFIED Gateway/default/x',
    ]);
    // A file emptied deletes its resources; a rescan with nothing new changes nothing.
    const before = c.events.length;
    await writeWhole(join(dir, 'more', 'w.yaml'), '# emptied\n');
    await c.until(before + 1);
    await store.rescan();
    assert.deepEqual(summary((await settle(store, c)).slice(first.length)), ['DELETED Gateway/other/w']);
    c.close();
  } finally {
    await store.close();
  }
}));

test('file: apply rewrites a resource inside the user\'s multi-document file and keeps the rest', T, () => withDir(async (dir) => {
  const path = join(dir, 'team.yaml');
  const original = `# Team gateways: edit with care
${GW('first')}---
# the one we change
${GW('middle')}---
${GW('last')}`;
  await writeFile(path, original);
  const store = await FileStore.open({ dir, debounceMs: 5 });
  try {
    const c = collect(store, store.revision());
    const mid = store.get('Gateway', 'default', 'middle');
    assert.ok(mid);
    const updated = await store.apply(relabel(mid, { v: '2' }, mid.metadata.resourceVersion));
    assert.equal(store.fileOf('Gateway', 'default', 'middle'), path);
    const text = await readFile(path, 'utf8');
    assert.ok(text.startsWith(`# Team gateways: edit with care\n${GW('first')}---\n# the one we change\n`), text);
    assert.ok(text.endsWith(`---\n${GW('last')}`), text);
    assert.match(text, /v: "2"|v: '2'/);
    assert.doesNotMatch(text, /resourceVersion/, 'revisions are not written into files');
    assert.deepEqual((await readdir(dir)).sort(), ['.isthmus-revision', 'team.yaml'], 'no temp file left, no new file');
    // The watcher sees our own write; it must not publish it a second time.
    await store.rescan();
    assert.deepEqual(summary(await settle(store, c)), ['MODIFIED Gateway/default/middle']);
    assert.equal(c.events[0]?.revision, Number(updated.metadata.resourceVersion));
    // Deleting one document keeps the others.
    await store.delete('Gateway', 'default', 'middle');
    const after = await readFile(path, 'utf8');
    assert.doesNotMatch(after, /name: middle/);
    assert.match(after, /name: first/);
    assert.match(after, /name: last/);
    assert.deepEqual(names(store).filter((n) => !n.startsWith('sentinel')), ['first', 'last']);
  } finally {
    await store.close();
  }
}));

test('file: a new resource gets its own file, and deleting it removes the file', T, () => withDir(async (dir) => {
  const store = await openStore({ backend: 'file', dir, watch: false });
  try {
    await store.apply(gateway('web', 'shop'));
    const path = join(dir, 'shop', 'gateway-web.yaml');
    const text = await readFile(path, 'utf8');
    assert.match(text, /^apiVersion: networking\.istio\.io\/v1\nkind: Gateway\n/);
    await store.delete('Gateway', 'shop', 'web');
    await assert.rejects(readFile(path), { code: 'ENOENT' });
  } finally {
    await store.close();
  }
}));

test('file: the same resource in two files: the first path wins, the second is an error', T, () => withDir(async (dir) => {
  await writeFile(join(dir, 'a.yaml'), GW('dup', 'default', 'from-a'));
  await writeFile(join(dir, 'b.yaml'), `${GW('other')}---\n${GW('dup', 'default', 'from-b')}`);
  const store = await FileStore.open({ dir, watch: false });
  try {
    assert.deepEqual(store.get('Gateway', 'default', 'dup')?.metadata.labels, { v: 'from-a' });
    assert.ok(store.get('Gateway', 'default', 'other'), 'the rest of the second file loads');
    assert.equal(store.errors().length, 1);
    assert.equal(store.errors()[0]?.position.file, join(dir, 'b.yaml'));
    assert.match(store.errors()[0]?.message ?? '', /already defined in .*a\.yaml:1/);
    assert.equal(store.errors()[0]?.code, 'DUPLICATE');
    // The user removes the first definition: the second takes over, as one change.
    const c = collect(store, store.revision());
    await writeWhole(join(dir, 'a.yaml'), '');
    await store.rescan();
    assert.deepEqual(summary(await settle(store, c)), ['MODIFIED Gateway/default/dup']);
    assert.deepEqual(store.errors(), []);
  } finally {
    await store.close();
  }
}));

test('file: apply to a resource whose file has errors is refused, and the file is left alone', T, () => withDir(async (dir) => {
  const path = join(dir, 'a.yaml');
  await writeFile(path, GW('a'));
  const store = await FileStore.open({ dir, watch: false });
  try {
    const a = store.get('Gateway', 'default', 'a');
    assert.ok(a);
    await writeWhole(path, `${GW('a')}oops: [\n`);
    await assert.rejects(store.apply(relabel(a, { v: '2' })), (e: unknown) => e instanceof BadFileError && e.code === 'BAD_FILE' && e.file === path);
    await assert.rejects(store.delete('Gateway', 'default', 'a'), BadFileError);
    assert.equal(await readFile(path, 'utf8'), `${GW('a')}oops: [\n`);
  } finally {
    await store.close();
  }
}));

test('file: an edit not yet seen by the watcher is not overwritten by apply', T, () => withDir(async (dir) => {
  const path = join(dir, 'a.yaml');
  await writeFile(path, GW('a'));
  const store = await FileStore.open({ dir, watch: false });
  try {
    const a = store.get('Gateway', 'default', 'a');
    assert.ok(a);
    await writeWhole(path, `${GW('a', 'default', 'by-hand')}---\n${GW('b')}`);
    // The writer read `a` before the hand edit: its version is stale now.
    await assert.rejects(store.apply(relabel(a, { v: 'mine' }, a.metadata.resourceVersion)), ConflictError);
    await store.apply(gateway('c'));
    assert.deepEqual(names(store), ['a', 'b', 'c']);
    assert.match(await readFile(path, 'utf8'), /by-hand[\s\S]*name: b/);
  } finally {
    await store.close();
  }
}));

test('file: revisions keep growing across a restart, so old resourceVersions conflict', T, () => withDir(async (dir) => {
  const first = await FileStore.open({ dir, watch: false, leaseSize: 2 });
  const a = await first.apply(gateway('a'));
  await first.apply(gateway('b'));
  await first.apply(relabel(a, { v: '2' }));
  await first.delete('Gateway', 'default', 'b');
  const last = first.revision();
  await first.close();

  const second = await FileStore.open({ dir, watch: false });
  try {
    assert.ok(second.revision() > last, `${second.revision()} > ${last}`);
    const again = second.get('Gateway', 'default', 'a');
    assert.ok(again && Number(again.metadata.resourceVersion) > last);
    assert.deepEqual(again.metadata.labels, { v: '2' });
    await assert.rejects(second.apply(relabel(again, { v: '3' }, a.metadata.resourceVersion)), ConflictError);
    // The reload itself is in the history: a watch from the opening revision sees the whole state,
    // and history from before the restart is gone.
    const opened = collect(second, second.revision() - 1);
    assert.deepEqual(summary(await opened.until(1)), ['ADDED Gateway/default/a']);
    opened.close();
    assert.throws(() => second.watch(0, () => {}), { code: 'COMPACTED' });
  } finally {
    await second.close();
  }
}));

test('file: a corrupt revision lease stops the store from opening, with a fix in the message', T, () => withDir(async (dir) => {
  await writeFile(join(dir, '.isthmus-revision'), 'garbage');
  await assert.rejects(FileStore.open({ dir, watch: false }), { code: 'IO', message: /delete it to count revisions afresh/ });
}));

test('file: a ConfigMap-style update (hidden data dir swapped by rename under a symlink) is seen', T, () => withDir(async (dir) => {
  // Kubernetes mounts ConfigMaps as `name -> ..data/name`, `..data -> ..<timestamp>/`, and
  // updates them by writing a new timestamped dir and renaming a `..data_tmp` symlink over `..data`.
  const { symlink, rename } = await import('node:fs/promises');
  await mkdir(join(dir, '..v1'));
  await writeFile(join(dir, '..v1', 'gw.yaml'), GW('cm', 'default', '1'));
  await symlink('..v1', join(dir, '..data'));
  await symlink(join('..data', 'gw.yaml'), join(dir, 'gw.yaml'));
  const store = await FileStore.open({ dir, debounceMs: 5 });
  try {
    assert.equal(store.get('Gateway', 'default', 'cm')?.metadata.labels?.v, '1');
    const c = collect(store, store.revision());
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'gw.yaml'), GW('cm', 'default', '2'));
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await c.until(1);
    assert.deepEqual(summary(c.events), ['MODIFIED Gateway/default/cm']);
    assert.equal(store.get('Gateway', 'default', 'cm')?.metadata.labels?.v, '2');
    c.close();
  } finally {
    await store.close();
  }
}));

test('file: a directory named like a config file is scanned as a directory', T, () => withDir(async (dir) => {
  const store = await FileStore.open({ dir, debounceMs: 5 });
  try {
    const c = collect(store, store.revision());
    await mkdir(join(dir, 'extra.yaml'));
    await writeWhole(join(dir, 'extra.yaml', 'b.yaml'), GW('inside'));
    await c.until(1);
    assert.deepEqual(summary(c.events), ['ADDED Gateway/default/inside']);
    assert.deepEqual(store.errors().map((e) => e.message), []);
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'extra.yaml'), { recursive: true });
    await c.until(2);
    assert.deepEqual(summary(c.events), ['ADDED Gateway/default/inside', 'DELETED Gateway/default/inside']);
    c.close();
  } finally {
    await store.close();
  }
}));
