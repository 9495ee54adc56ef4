import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import { removeDocument, upsertDocument } from '../../src/store/file-docs.js';
import { gateway } from './helpers.js';

const doc = (name: string, extra = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}${extra}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}  # plain HTTP
    hosts: ["*"]
`;

test('file-docs: an edited document keeps its own comments and untouched fields', () => {
  const text = `# top\n${doc('a')}---\n${doc('b')}`;
  const out = upsertDocument(text, 'f.yaml', gateway('a', 'default', { v: '2' }));
  assert.ok(out.startsWith('# top\napiVersion: networking.istio.io/v1\n'), out);
  assert.match(out, /# plain HTTP[\s\S]*# plain HTTP/, 'the spec, unchanged, keeps its comment');
  assert.doesNotMatch(out, /namespace: default/, 'the default namespace is not spelled out where the user left it implicit');
  assert.ok(out.endsWith(`---\n${doc('b')}`));
  const loaded = loadText(out, 'f.yaml');
  assert.deepEqual(loaded.errors, []);
  assert.deepEqual(loaded.resources[0]?.resource.metadata.labels, { v: '2' });
});

test('file-docs: a resource not in the file is appended as a new document', () => {
  const out = upsertDocument(doc('a').trimEnd(), 'f.yaml', gateway('b', 'prod'));
  const loaded = loadText(out, 'f.yaml');
  assert.deepEqual(loaded.resources.map((r) => r.resource.metadata.name), ['a', 'b']);
  assert.equal(upsertDocument('', 'g.yaml', gateway('c')).split('---').length, 1, 'an empty file gets no separator');
});

test('file-docs: a JSON file stays JSON', () => {
  const json = JSON.stringify(gateway('a'));
  const out = upsertDocument(json, 'a.json', gateway('a', 'default', { v: '2' }));
  assert.deepEqual((JSON.parse(out) as { metadata: unknown }).metadata, { name: 'a', namespace: 'default', labels: { v: '2' } });
});

test('file-docs: removing a document keeps the others; removing the last one empties the file', () => {
  const text = `${doc('a')}---\n${doc('b')}---\n${doc('c')}`;
  const withoutA = removeDocument(text, 'Gateway/default/a');
  assert.ok(withoutA !== null);
  assert.deepEqual(loadText(withoutA, 'f.yaml').resources.map((r) => r.resource.metadata.name), ['b', 'c']);
  const withoutB = removeDocument(text, 'Gateway/default/b');
  assert.ok(withoutB !== null);
  assert.deepEqual(loadText(withoutB, 'f.yaml').resources.map((r) => r.resource.metadata.name), ['a', 'c']);
  assert.equal(removeDocument(doc('a'), 'Gateway/default/a'), null);
  assert.equal(removeDocument(doc('a'), 'Gateway/default/zzz'), doc('a'), 'an absent document changes nothing');
});
