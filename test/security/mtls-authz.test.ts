// AuthorizationPolicy on mesh identities, end to end (issue #5): a STRICT sidecar whose ALLOW
// policy names one principal. The principal comes from the URI SAN of the certificate the peer
// presented in the mTLS handshake — curl with client SVIDs the test gets from the real CA, and
// two real client sidecars with identities of their own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { eventually } from '../helpers/eventually.js';
import { viaProxy } from '../proxy/e2e/fixtures.js';
import type { Sidecar } from '../proxy/e2e/mesh.js';
import { curlMtls, IdentityMesh, type ClientSvid, strictPeerAuthentication } from './mesh-identity.js';

const POLICIES = `${strictPeerAuthentication('api-strict', ['app', 'api'])}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: only-client, namespace: default}
spec:
  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/client]}}]
`;

let m: IdentityMesh;
let app: Backend;
let api: Sidecar;
let clientSidecar: Sidecar;
let intruderSidecar: Sidecar;
let client: ClientSvid;
let intruder: ClientSvid;

before(async () => {
  app = await startHttpBackend('api');
  m = await IdentityMesh.start({ 'policies.yaml': POLICIES });
  [api, clientSidecar, intruderSidecar] = await Promise.all([
    m.sidecar({ service: 'api', labels: { app: 'api' }, appPort: app.port, outboundPort: 0 }),
    m.sidecar({ service: 'client', labels: { app: 'client' } }),
    m.sidecar({ service: 'intruder', labels: { app: 'intruder' } }),
  ]);
  await api.waitForConfig('the RBAC filter on the inbound listener', (dump) => dump.includes('ns[default]-policy[only-client]-rule[0]'));
  [client, intruder] = await Promise.all([m.clientSvid('client'), m.clientSvid('intruder')]);
});

after(async () => {
  await m?.close();
  await app?.close();
});

describe('ALLOW from.source.principals [cluster.local/ns/default/sa/client] on a STRICT port', () => {
  it('curl with the SVID of sa/client gets 200', async () => {
    const r = await eventually('an allowed request', async () => {
      const res = await curlMtls(api.inboundPort, client, '/allowed');
      return res.status === 200 ? res : undefined;
    });
    assert.equal(r.headers['x-backend'], 'api');
  });

  it('curl with the SVID of sa/intruder gets 403 RBAC: access denied, and the app never sees it', async () => {
    const seen = app.requests.length;
    const r = await curlMtls(api.inboundPort, intruder, '/denied');
    assert.equal(r.status, 403, `${r.stderr} ${r.body}`);
    assert.equal(r.body, 'RBAC: access denied');
    assert.equal(app.requests.length, seen);
  });

  it('the same holds for client sidecars whose identities the CA gave them', async () => {
    const url = `http://api.default.svc.cluster.local:${api.inboundPort}/via-sidecar`;
    const ok = await eventually('the client sidecar is allowed', async () => {
      const r = await viaProxy(clientSidecar, url);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(ok.headers['x-backend'], 'api');
    const seen = app.requests.length;
    const denied = await eventually('the intruder sidecar reaches the api over mTLS', async () => {
      const r = await viaProxy(intruderSidecar, url);
      return r.status === 403 ? r : undefined;
    });
    assert.equal(denied.body, 'RBAC: access denied');
    assert.equal(app.requests.length, seen);
  });
});
