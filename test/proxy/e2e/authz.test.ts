// AuthorizationPolicy end to end: the real manager translates a policy file from its config
// directory into RBAC filters on the inbound listener of a real sidecar process, and curl (with
// --path-as-is, so it sends dot segments untouched) is allowed, denied, and denied again when it
// tries the path tricks the mesh's default normalization (BASE) removes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { MAX_TIME } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';

const POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-admin, namespace: default}
spec:
  selector: {matchLabels: {app: echo}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/admin", "/admin/*"]}}]
`;

let mesh: Mesh;
let app: Backend;
let sidecar: Sidecar;

before(async () => {
  app = await startHttpBackend('echo');
  mesh = await Mesh.start({ 'authz.yaml': POLICY });
  sidecar = await mesh.sidecar({ service: 'echo', labels: { app: 'echo' }, appPort: app.port, outboundPort: 0 });
  await sidecar.waitForConfig('the RBAC filter on the inbound listener', (dump) => dump.includes('ns[default]-policy[no-admin]-rule[0]'));
});

after(async () => {
  await mesh?.close();
  await app?.close();
});

const get = (path: string) => curl([...MAX_TIME, '--path-as-is', `http://127.0.0.1:${sidecar.inboundPort}${path}`]);

test('a request no rule denies reaches the app', async () => {
  const r = await get('/hello');
  assert.equal(r.status, 200, r.body);
});

test('the denied path gets 403 RBAC: access denied and never reaches the app', async () => {
  const seen = app.requests.length;
  const r = await get('/admin/users');
  assert.equal(r.status, 403);
  assert.equal(r.body, 'RBAC: access denied');
  assert.equal(app.requests.length, seen);
});

test('dot-segment tricks are normalized before authorization', async () => {
  for (const path of ['/./admin', '/public/../admin', '/%2e%2e/admin/x', '/%61dmin']) {
    const r = await get(path);
    assert.equal(r.status, 403, `${path}: ${r.status} ${r.body}`);
  }
});

test('a WebSocket upgrade to a denied path is refused by the same policy, before any upstream connection', async () => {
  const seen = app.requests.length;
  const r = await curl([...MAX_TIME, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Sec-WebSocket-Version: 13',
    '-H', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `http://127.0.0.1:${sidecar.inboundPort}/admin/socket`]);
  assert.equal(r.status, 403, r.body);
  assert.equal(r.body, 'RBAC: access denied');
  assert.equal(app.requests.length, seen);
});
