// The core `Secret` kind (apiVersion v1) as Gateway credentials need it: fields at the top level
// as Kubernetes writes them, data as base64, stringData as text; errors name file, line and field
// and never quote a value (it may be a private key). What the store writes reads back the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { apiVersionsOf, kindByName, loadText, type Resource } from '../../src/api/index.js';
import { caOf, certificateOf, documentOf, secretEntries, type SecretSpec } from '../../src/api/core/index.js';

const KEY_TEXT = 'SUPER-SECRET-KEY-MATERIAL';

test('a kubernetes.io/tls Secret loads at apiVersion v1, its fields at the top level', () => {
  const r = loadText(`apiVersion: v1
kind: Secret
metadata: {name: shop-cred, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from('CERT').toString('base64')}
  tls.key: ${Buffer.from('KEY').toString('base64')}
stringData:
  ca.crt: CA
`, 's.yaml');
  assert.deepEqual(r.errors, []);
  const [secret] = r.resources;
  assert.equal(secret?.resource.kind, 'Secret');
  assert.equal(secret?.resource.metadata.namespace, 'istio-system');
  const entries = secretEntries(secret!.resource.spec as SecretSpec);
  assert.deepEqual(certificateOf(entries), { cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  assert.deepEqual(caOf(entries), Buffer.from('CA'));
  assert.deepEqual(apiVersionsOf('Secret'), ['v1']);
  assert.equal(kindByName('secrets')?.kind, 'Secret');
});

test('generic keys (cert, key, cacert) are read as Istio reads them; stringData wins over data', () => {
  const entries = secretEntries({ data: { cert: Buffer.from('old').toString('base64'), key: 'S0VZ' }, stringData: { cert: 'C', cacert: 'A' } });
  assert.deepEqual(certificateOf(entries), { cert: Buffer.from('C'), key: Buffer.from('KEY') });
  assert.deepEqual(caOf(entries), Buffer.from('A'));
  assert.equal(certificateOf(new Map([['tls.crt', Buffer.from('only a cert')]])), undefined);
});

test('mistakes name the field and line, and never show the value', () => {
  const r = loadText(`apiVersion: v1
kind: Secret
metadata: {name: bad}
type: kubernetes.io/tls
data:
  tls.crt: "${KEY_TEXT} not base64!"
  bad key: eA==
  tls.key: 5
strinData: {}
---
apiVersion: v1
kind: Secret
metadata: {name: as-text}
data: "${KEY_TEXT}"
---
apiVersion: networking.istio.io/v1
kind: Secret
metadata: {name: wrong-group}
`, 'bad.yaml');
  assert.equal(r.resources.length, 0);
  const text = r.errors.map((e) => e.message).join('\n');
  assert.ok(!text.includes(KEY_TEXT), text);
  assert.match(text, /bad\.yaml:6:\d+: data\["tls\.crt"\]: is not valid base64/);
  assert.match(text, /bad\.yaml:7:\d+: data\["bad key"\]: "bad key" is not a valid key/);
  assert.match(text, /bad\.yaml:8:\d+: data\["tls\.key"\]: the value must be a string/);
  assert.match(text, /bad\.yaml:9:1: strinData: unknown field "strinData" \(did you mean "stringData"\?/);
  assert.match(text, /bad\.yaml:14:\d+: data: data must be a map/);
  assert.match(text, /Secret is not served at apiVersion "networking\.istio\.io\/v1".*use one of v1/);
});

test('a TLS Secret needs both halves, as the API server requires', () => {
  const r = loadText('apiVersion: v1\nkind: Secret\nmetadata: {name: half}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}\n', 'h.yaml');
  assert.match(r.errors.map((e) => e.message).join('\n'), /needs the key "tls\.key"/);
});

test('the document the store writes for a Secret is Kubernetes-shaped and loads back unchanged', () => {
  const resource: Resource = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c', namespace: 'default' }, spec: { type: 'Opaque', stringData: { cert: 'x' } } };
  const doc = documentOf(resource);
  assert.deepEqual(doc, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c', namespace: 'default' }, type: 'Opaque', stringData: { cert: 'x' } });
  const back = loadText(stringify(doc), 'back.yaml');
  assert.deepEqual(back.resources[0]?.resource, resource);
  // Istio kinds keep their spec.
  assert.ok('spec' in documentOf({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'default' }, spec: {} }));
});
