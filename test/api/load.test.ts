import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';

test('a YAML syntax error names the line', () => {
  const r = loadText('apiVersion: networking.istio.io/v1\nkind: [oops\n', 'bad.yaml');
  assert.equal(r.resources.length, 0);
  assert.equal(r.errors[0]?.code, 'YAML_SYNTAX');
  assert.match(r.errors[0]?.message ?? '', /^bad\.yaml:\d+:\d+/);
});

test('an unknown kind suggests the nearest known one', () => {
  const r = loadText('apiVersion: networking.istio.io/v1\nkind: VirtualServic\nmetadata: {name: a}\n', 'k.yaml');
  assert.equal(r.errors[0]?.code, 'UNKNOWN_KIND');
  assert.match(r.errors[0]?.message ?? '', /k\.yaml:2:7: kind: unknown kind "VirtualServic" \(did you mean "VirtualService"\?/);
});

test('a bad document does not hide the good one beside it', () => {
  const text = 'apiVersion: v1\nkind: Nope\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: gw, namespace: prod}\nspec: {egress: [{hosts: ["./*"]}]}\n';
  const r = loadText(text, 'multi.yaml');
  assert.equal(r.resources.length, 1);
  assert.equal(r.resources[0]?.resource.metadata.namespace, 'prod');
  assert.equal(r.resources[0]?.origin.line, 4);
  assert.equal(r.errors.length, 1);
});

test('namespace defaults to "default" and metadata is validated', () => {
  const r = loadText('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: Bad_Name\n', 'm.yaml');
  assert.equal(r.errors[0]?.code, 'INVALID_METADATA');
  assert.equal(r.errors[0]?.path, 'metadata.name');
  assert.equal(r.errors[0]?.position.line, 4);
});

test('a trailing document separator is not an empty resource', () => {
  const r = loadText('apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: d}\nspec: {mtls: {mode: STRICT}}\n---\n', 't.yaml');
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.equal(r.resources.length, 1);
});
