// The jwt_authn filter against a real JWKS server on loopback: tokens signed by jose (RS256 and
// ES256) through the real filter, in Istio's rule shape (requires_any [provider, allow_missing]).
// Valid, expired, not-yet-valid, wrong-issuer, wrong-audience, malformed and badly signed tokens;
// key rotation (a new kid is fetched) and a flood of unknown kids (not fetched more than once).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { createJwtAuthnFilterFactory, ISTIO_AUTHN_STATE, JWT_AUTHN_METADATA, type IstioAuthn } from '../../../../src/proxy/http/filters/jwt-authn.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { AUDIENCE, ISSUER, decodedJwtAuthn, jwks, signingKey, startJwksServer, token, type JwksServer, type SigningKey } from '../../../security/jwt-fixtures.js';
import { build, fakeStream, runChain } from './fake-stream.js';

const NAME = 'envoy.filters.http.jwt_authn';

/** Istio's shape: every provider, or no token at all. */
function istioConfig(providers: Record<string, Fields>): Fields {
  const requirements = [...Object.keys(providers).map((provider_name) => ({ provider_name })), { allow_missing: {} }];
  return decodedJwtAuthn({ providers, rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements } } }] });
}

function remoteProvider(server: JwksServer, extra: Fields = {}): Fields {
  return {
    issuer: ISSUER,
    audiences: [AUDIENCE],
    remote_jwks: { http_uri: { uri: server.url, cluster: 'outbound|80||jwks', timeout: { seconds: 2 } }, cache_duration: { seconds: 300 } },
    ...extra,
  };
}

function bearer(t: string, extra: Record<string, string> = {}) {
  return fakeStream({ headers: { authorization: `Bearer ${t}`, ...extra } });
}

describe('jwt_authn with a remote JWKS (RS256)', () => {
  let rsa: SigningKey;
  let server: JwksServer;
  const factory = createJwtAuthnFilterFactory({ refetchCooldownMs: 0 });
  before(async () => {
    rsa = await signingKey('RS256', 'rsa-1');
    server = await startJwksServer(rsa);
  });
  after(() => server.close());
  const filter = () => build(factory, istioConfig({ 'origins-0': remoteProvider(server, { forward_payload_header: 'x-jwt-payload', payload_in_metadata: ISSUER, claim_to_headers: [{ header_name: 'x-group', claim_name: 'org.group' }] }) }), NAME);

  it('a valid token passes; the token is stripped, the payload and a nested claim become headers, request.auth.* is set', async () => {
    const t = await token(rsa, { aud: AUDIENCE, sub: 'bob', claims: { azp: 'web', org: { group: 'admins' } } });
    const stream = bearer(t);
    const r = await runChain([filter()], stream);
    assert.equal(r.decodeStatus, 'continue', JSON.stringify(r.local));
    assert.equal(stream.request.headers.authorization, undefined, 'forward is false: the token is removed');
    assert.equal(stream.request.headers['x-group'], 'admins');
    const payload = JSON.parse(Buffer.from(String(stream.request.headers['x-jwt-payload']), 'base64url').toString()) as Fields;
    assert.equal(payload.sub, 'bob');
    const authn = stream.filterState.get(ISTIO_AUTHN_STATE) as IstioAuthn;
    assert.equal(authn['request.auth.principal'], `${ISSUER}/bob`);
    assert.deepEqual(authn['request.auth.audiences'], [AUDIENCE]);
    assert.equal(authn['request.auth.presenter'], 'web');
    assert.deepEqual(authn['request.auth.claims'].org, { group: 'admins' });
    assert.equal(((stream.filterState.get(JWT_AUTHN_METADATA) as Fields)[ISSUER] as Fields).sub, 'bob');
  });

  it('no token passes (allow_missing) and leaves no principal; spoofed output headers are removed', async () => {
    const stream = fakeStream({ headers: { 'x-jwt-payload': 'forged', 'x-group': 'admins' } });
    const r = await runChain([filter()], stream);
    assert.equal(r.decodeStatus, 'continue');
    assert.equal(stream.filterState.get(ISTIO_AUTHN_STATE), undefined);
    assert.equal(stream.request.headers['x-jwt-payload'], undefined);
    assert.equal(stream.request.headers['x-group'], undefined);
  });

  const refused: [string, () => Promise<string>, number, string][] = [
    ['expired', () => token(rsa, { aud: AUDIENCE, expIn: -120 }), 401, 'Jwt is expired'],
    ['not yet valid', () => token(rsa, { aud: AUDIENCE, nbfIn: 600 }), 401, 'Jwt not yet valid'],
    ['from an unknown issuer', () => token(rsa, { aud: AUDIENCE, iss: 'https://evil.example.com' }), 401, 'Jwt issuer is not configured'],
    ['for another audience (Envoy answers 403)', () => token(rsa, { aud: 'other.example.com' }), 403, 'Audiences in Jwt are not allowed'],
    ['malformed', () => Promise.resolve('not-a-jwt'), 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
    ['with a garbage header', () => Promise.resolve('e30x.e30.c2ln'), 401, 'Jwt header is an invalid JSON'],
  ];
  for (const [what, make, status, body] of refused) {
    it(`a token ${what} is refused with ${status} "${body}"`, async () => {
      const stream = bearer(await make());
      const r = await runChain([filter()], stream);
      assert.equal(r.decodeStatus, 'stop');
      assert.equal(r.local?.status, status);
      assert.equal(r.local?.body, body);
      assert.equal(r.local?.headers?.['www-authenticate'], 'Bearer realm="http://example.com/", error="invalid_token"');
    });
  }

  it('a token signed by another key under the same kid fails verification', async () => {
    const impostor = await signingKey('RS256', 'rsa-1');
    const r = await runChain([filter()], bearer(await token(impostor, { aud: AUDIENCE })));
    assert.equal(r.local?.status, 401);
    assert.equal(r.local?.body, 'Jwt verification fails');
  });

  it('an expiry within the 60 s clock skew still passes', async () => {
    const r = await runChain([filter()], bearer(await token(rsa, { aud: AUDIENCE, expIn: -30 })));
    assert.equal(r.decodeStatus, 'continue', JSON.stringify(r.local));
  });

  it('key rotation: a token with a new kid makes the filter refetch and pass; the retired key then fails', async () => {
    const f = filter();
    assert.equal((await runChain([f], bearer(await token(rsa, { aud: AUDIENCE })))).decodeStatus, 'continue');
    const rotated = await signingKey('RS256', 'rsa-2');
    server.serve(rotated);
    const before = server.fetches;
    const r = await runChain([f], bearer(await token(rotated, { aud: AUDIENCE })));
    assert.equal(r.decodeStatus, 'continue', JSON.stringify(r.local));
    assert.ok(server.fetches > before, 'the unknown kid caused a refetch');
    const old = await runChain([f], bearer(await token(rsa, { aud: AUDIENCE })));
    assert.equal(old.local?.status, 401);
    assert.equal(old.local?.body, "Jwks doesn't have key to match kid or alg from Jwt");
    server.serve(rsa);
  });
});

describe('jwt_authn JWKS refetch is rate limited', () => {
  it('a flood of tokens with made-up kids fetches the key set once per cooldown, not once per token', async () => {
    const key = await signingKey('ES256', 'ec-1');
    const server = await startJwksServer(key);
    try {
      const factory = createJwtAuthnFilterFactory({ refetchCooldownMs: 60_000 });
      const f = build(factory, istioConfig({ p: remoteProvider(server, { audiences: [] }) }), NAME);
      assert.equal((await runChain([f], bearer(await token(key)))).decodeStatus, 'continue');
      assert.equal(server.fetches, 1);
      for (let i = 0; i < 20; i++) {
        const r = await runChain([f], bearer(await token(key, { kid: `bogus-${i}` })));
        assert.equal(r.local?.status, 401);
      }
      assert.equal(server.fetches, 1, 'no refetch within the cooldown');
    } finally {
      await server.close();
    }
  });

  it('a JWKS server that fails makes tokens fail with "Jwks remote fetch is failed" (missing tokens still pass)', async () => {
    const key = await signingKey('ES256', 'ec-1');
    const server = await startJwksServer(key);
    server.fail();
    try {
      const f = build(createJwtAuthnFilterFactory(), istioConfig({ p: remoteProvider(server, { audiences: [] }) }), NAME);
      const r = await runChain([f], bearer(await token(key)));
      assert.equal(r.local?.status, 401);
      assert.equal(r.local?.body, 'Jwks remote fetch is failed');
      assert.equal((await runChain([f], fakeStream())).decodeStatus, 'continue');
    } finally {
      await server.close();
    }
  });
});

describe('jwt_authn with an inline JWKS (ES256) and other token locations', () => {
  let ec: SigningKey;
  before(async () => {
    ec = await signingKey('ES256', 'ec-1');
  });
  const inline = (extra: Fields = {}) => ({ issuer: ISSUER, local_jwks: { inline_string: jwks(ec) }, ...extra });

  it('reads a custom header with its prefix and keeps it when forward is set', async () => {
    const f = build(createJwtAuthnFilterFactory(), istioConfig({ p: inline({ from_headers: [{ name: 'x-token', value_prefix: 'Token ' }], forward: true }) }), NAME);
    const t = await token(ec);
    const stream = fakeStream({ headers: { 'x-token': `Token ${t}` } });
    assert.equal((await runChain([f], stream)).decodeStatus, 'continue');
    assert.equal(stream.request.headers['x-token'], `Token ${t}`);
    // The default Authorization header is not a location when from_headers is given.
    const elsewhere = bearer('garbage');
    assert.equal((await runChain([f], elsewhere)).decodeStatus, 'continue');
  });

  it('reads a query parameter and a cookie', async () => {
    const t = await token(ec);
    const byParam = build(createJwtAuthnFilterFactory(), istioConfig({ p: inline({ from_params: ['jwt'] }) }), NAME);
    const s1 = fakeStream({ path: `/x?jwt=${t}` });
    assert.equal((await runChain([byParam], s1)).decodeStatus, 'continue');
    assert.ok(s1.filterState.get(ISTIO_AUTHN_STATE));
    const byCookie = build(createJwtAuthnFilterFactory(), istioConfig({ p: inline({ from_cookies: ['session'] }) }), NAME);
    const s2 = fakeStream({ headers: { cookie: `a=b; session=${t}` } });
    assert.equal((await runChain([byCookie], s2)).decodeStatus, 'continue');
    assert.ok(s2.filterState.get(ISTIO_AUTHN_STATE));
  });

  it('the default locations are Authorization: Bearer and ?access_token=', async () => {
    const f = build(createJwtAuthnFilterFactory(), istioConfig({ p: inline() }), NAME);
    const s = fakeStream({ path: `/?access_token=${await token(ec, { expIn: -3600 })}` });
    const r = await runChain([f], s);
    assert.equal(r.local?.body, 'Jwt is expired');
  });

  it('several providers: a token for either passes; one that fits none names the failure of the provider it claims', async () => {
    const other = await signingKey('RS256', 'rsa-x');
    const f = build(createJwtAuthnFilterFactory(), istioConfig({
      a: inline(),
      b: { issuer: 'https://other.example.com', local_jwks: { inline_string: jwks(other) } },
    }), NAME);
    assert.equal((await runChain([f], bearer(await token(other, { iss: 'https://other.example.com' })))).decodeStatus, 'continue');
    assert.equal((await runChain([f], bearer(await token(ec)))).decodeStatus, 'continue');
    const r = await runChain([f], bearer(await token(other, { iss: 'https://other.example.com', expIn: -600 })));
    assert.equal(r.local?.body, 'Jwt is expired', 'not "issuer is not configured" from provider a');
  });

  it('a provider requirement without allow_missing refuses a missing token with a bare realm', async () => {
    const config = decodedJwtAuthn({ providers: { p: inline() }, rules: [{ match: { prefix: '/api' }, requires: { provider_name: 'p' } }] });
    const f = build(createJwtAuthnFilterFactory(), config, NAME);
    const r = await runChain([f], fakeStream({ path: '/api/x?q=1' }));
    assert.equal(r.local?.status, 401);
    assert.equal(r.local?.body, 'Jwt is missing');
    assert.equal(r.local?.headers?.['www-authenticate'], 'Bearer realm="http://example.com/api/x"');
    assert.equal((await runChain([f], fakeStream({ path: '/public' }))).decodeStatus, 'continue', 'no rule matches /public');
  });

  it('a CORS preflight bypasses authentication when bypass_cors_preflight is set', async () => {
    const config = decodedJwtAuthn({ providers: { p: inline() }, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'p' } }], bypass_cors_preflight: true });
    const f = build(createJwtAuthnFilterFactory(), config, NAME);
    const s = fakeStream({ method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } });
    assert.equal((await runChain([f], s)).decodeStatus, 'continue');
  });
});

describe('jwt_authn config errors (the listener is NACKed with the reason)', () => {
  const factory = createJwtAuthnFilterFactory();
  const bad: [string, Fields, RegExp][] = [
    ['an inline JWKS that is not JSON', { p: { issuer: 'i', local_jwks: { inline_string: '{nope' } } }, /local_jwks\.inline_string: is not a JSON Web Key Set/],
    ['an inline JWKS without keys', { p: { issuer: 'i', local_jwks: { inline_string: '{"keys":[]}' } } }, /non-empty "keys"/],
    ['a broken RSA key', { p: { issuer: 'i', local_jwks: { inline_string: '{"keys":[{"kty":"RSA","e":"AQAB"}]}' } } }, /keys\[0\]: is not a usable RSA public key/],
    ['a symmetric key', { p: { issuer: 'i', local_jwks: { inline_string: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' } } }, /symmetric/],
    ['a jwks URI with a bad scheme', { p: { issuer: 'i', remote_jwks: { http_uri: { uri: 'ftp://x/jwks', cluster: 'c', timeout: { seconds: 1 } } } } }, /http_uri\.uri: scheme "ftp:" is not supported/],
    ['a jwks URI that is not a URL', { p: { issuer: 'i', remote_jwks: { http_uri: { uri: 'not a url', cluster: 'c', timeout: { seconds: 1 } } } } }, /is not a URL/],
    ['no key source', { p: { issuer: 'i' } }, /needs local_jwks or remote_jwks/],
  ];
  for (const [what, providers, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => factory.create(decodedJwtAuthn({ providers }), { name: NAME, log: () => {} }), (e: unknown) => e instanceof FilterConfigError && message.test(e.message));
    });
  }
  it('rejects a rule naming a provider that does not exist', () => {
    const config = decodedJwtAuthn({ providers: {}, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'ghost' } }] });
    assert.throws(() => factory.create(config, { name: NAME, log: () => {} }), /rules\[0\]\.requires\.provider_name: names provider "ghost"/);
  });
  it('checks per-route configs', () => {
    assert.doesNotThrow(() => factory.validatePerRoute!({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', disabled: true }));
    assert.throws(() => factory.validatePerRoute!({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig' }), FilterConfigError);
  });
});
