// RequestAuthentication end to end: the real manager translates the YAML into jwt_authn, a real
// sidecar process serves it on its inbound listener, curl sends tokens signed by jose, and the
// proxy fetches keys from a real JWKS server on loopback. Valid → 200, expired / wrong issuer /
// malformed → 401, wrong audience → 403 (Envoy's code for it), missing → 200, and after the JWKS
// server rotates to a new key, a token with the new kid → 200.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl, type CurlResult } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { AUDIENCE, ISSUER, signingKey, startJwksServer, token, type JwksServer, type SigningKey } from '../../security/jwt-fixtures.js';
import { MAX_TIME } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';

let mesh: Mesh;
let app: Backend;
let jwksServer: JwksServer;
let sidecar: Sidecar;
let rsa: SigningKey;

function requestAuthentication(jwksUri: string): string {
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: echo-jwt, namespace: default}
spec:
  selector: {matchLabels: {app: echo}}
  jwtRules:
    - issuer: ${ISSUER}
      audiences: [${AUDIENCE}]
      jwksUri: ${jwksUri}
      outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
`;
}

before(async () => {
  rsa = await signingKey('RS256', 'key-1');
  jwksServer = await startJwksServer(rsa);
  app = await startHttpBackend('echo');
  mesh = await Mesh.start({ 'jwt.yaml': requestAuthentication(jwksServer.url) });
  sidecar = await mesh.sidecar({ service: 'echo', labels: { app: 'echo' }, appPort: app.port, outboundPort: 0 });
  await sidecar.waitForConfig('the jwt_authn filter on the inbound listener', (dump) => dump.includes('envoy.filters.http.jwt_authn'));
});

after(async () => {
  await mesh?.close();
  await app?.close();
  await jwksServer?.close();
});

function get(headers: string[] = []): Promise<CurlResult> {
  return curl([...MAX_TIME, ...headers.flatMap((h) => ['-H', h]), `http://127.0.0.1:${sidecar.inboundPort}/hello`]);
}
const bearer = (t: string) => [`authorization: Bearer ${t}`];

test('a valid token reaches the app without the token and with its claim header', async () => {
  const before = app.requests.length;
  const r = await get(bearer(await token(rsa, { aud: AUDIENCE, sub: 'carol' })));
  assert.equal(r.status, 200, r.body);
  const seen = app.requests.slice(before).at(-1);
  assert.equal(seen?.headers.authorization, undefined, 'forwardOriginalToken is false');
  assert.equal(seen?.headers['x-jwt-sub'], 'carol');
});

test('no token passes: RequestAuthentication alone does not require one', async () => {
  assert.equal((await get()).status, 200);
});

test('bad tokens are refused with Envoy\'s status, reason and WWW-Authenticate', async () => {
  const cases: [string, string, number, string][] = [
    ['expired', await token(rsa, { aud: AUDIENCE, expIn: -600 }), 401, 'Jwt is expired'],
    ['wrong issuer', await token(rsa, { aud: AUDIENCE, iss: 'https://elsewhere.example.com' }), 401, 'Jwt issuer is not configured'],
    ['wrong audience', await token(rsa, { aud: 'someone-else' }), 403, 'Audiences in Jwt are not allowed'],
    ['malformed', 'abc.def', 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  ];
  for (const [what, t, status, body] of cases) {
    const r = await get(bearer(t));
    assert.equal(r.status, status, `${what}: ${r.body}`);
    assert.equal(r.body, body, what);
    assert.match(r.headers['www-authenticate'] ?? '', /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/hello", error="invalid_token"$/, what);
  }
});

test('key rotation: once the JWKS server serves a new key, tokens with the new kid pass', async () => {
  const next = await signingKey('ES256', 'key-2');
  jwksServer.serve(next);
  const t = await token(next, { aud: AUDIENCE });
  // The proxy refetches on an unknown kid at most once per cooldown (5 s): poll, do not sleep.
  await eventually('a token signed with the rotated key is accepted', async () => ((await get(bearer(t))).status === 200 ? true : undefined));
  assert.equal((await get(bearer(await token(next, { aud: AUDIENCE, expIn: -600 })))).status, 401, 'still checked');
});
