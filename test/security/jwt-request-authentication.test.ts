// From Istio YAML to a decision: RequestAuthentications are translated by the manager, the
// emitted filter config goes through Envoy's protos as an xDS client decodes it, and the proxy's
// own jwt_authn filter judges tokens with it. Two policies for one workload combine their issuers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { translateContext } from '../../src/control/translate/context.js';
import { jwtAuthnFilterFor } from '../../src/control/translate/jwt-authn.js';
import { createJwtAuthnFilterFactory, ISTIO_AUTHN_STATE, type IstioAuthn } from '../../src/proxy/http/filters/jwt-authn.js';
import { proxy, world } from '../control/model/world.js';
import { build, fakeStream, runChain } from '../proxy/http/filters/fake-stream.js';
import { AUDIENCE, ISSUER, decodedJwtAuthn, jwks, signingKey, startJwksServer, token, type JwksServer, type SigningKey } from './jwt-fixtures.js';

describe('RequestAuthentication YAML → manager → proxy filter', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let server: JwksServer;
  let filter: ReturnType<typeof build>;
  before(async () => {
    rsa = await signingKey('RS256', 'rsa-1');
    ec = await signingKey('ES256', 'ec-1');
    server = await startJwksServer(rsa);
    const push = world(`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: remote, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  jwtRules: [{issuer: ${ISSUER}, audiences: [${AUDIENCE}], jwksUri: '${server.url}'}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: partner, namespace: default}
spec:
  jwtRules: [{issuer: https://partner.example.com, jwks: '${jwks(ec)}', fromHeaders: [{name: x-partner-token}]}]
`);
    const entry = jwtAuthnFilterFor(translateContext(proxy('sidecar', 'default', { app: 'reviews' }), push))!;
    filter = build(createJwtAuthnFilterFactory(), decodedJwtAuthn(entry.typed_config as Record<string, unknown>), String(entry.name));
  });
  after(() => server.close());

  it('accepts a token of either policy and exposes request.auth.principal', async () => {
    const s1 = fakeStream({ headers: { authorization: `Bearer ${await token(rsa, { aud: AUDIENCE, sub: 'alice' })}` } });
    assert.equal((await runChain([filter], s1)).decodeStatus, 'continue');
    assert.equal((s1.filterState.get(ISTIO_AUTHN_STATE) as IstioAuthn)['request.auth.principal'], `${ISSUER}/alice`);
    const s2 = fakeStream({ headers: { 'x-partner-token': await token(ec, { iss: 'https://partner.example.com', sub: 'p1' }) } });
    assert.equal((await runChain([filter], s2)).decodeStatus, 'continue');
    assert.equal((s2.filterState.get(ISTIO_AUTHN_STATE) as IstioAuthn)['request.auth.principal'], 'https://partner.example.com/p1');
  });

  it('refuses a bad token, lets a request without one through', async () => {
    const bad = await runChain([filter], fakeStream({ headers: { authorization: `Bearer ${await token(rsa, { aud: AUDIENCE, expIn: -3600 })}` } }));
    assert.equal(bad.local?.status, 401);
    assert.equal(bad.local?.body, 'Jwt is expired');
    const none = fakeStream();
    assert.equal((await runChain([filter], none)).decodeStatus, 'continue');
    assert.equal(none.filterState.get(ISTIO_AUTHN_STATE), undefined);
  });
});
