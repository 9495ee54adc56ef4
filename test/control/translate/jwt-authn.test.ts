// RequestAuthentication → the jwt_authn filter: which policies apply to which workload (root
// namespace, own namespace, selector, Gateway targetRef), Istio's provider and rule shape, the
// filter's place first in inbound and gateway chains, and keys the proxy would reject replaced
// by an unverifiable key rather than emitted (which would NACK the whole listener).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { translateContext } from '../../../src/control/translate/context.js';
import { generate } from '../../../src/control/translate/generators.js';
import { jwtAuthnFilterFor, UNVERIFIABLE_JWKS } from '../../../src/control/translate/jwt-authn.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const KEY = '{"keys":[{"kty":"EC","crv":"P-256","x":"jrCFMnZcnSpmkDJ8IfzevuaqX5KH-PBrDRPsoArUMC8","y":"xULanykU7ZmQfvkhPyB0SA4Lfwcd9bnHqPWjYlpkrDQ"}]}';

const POLICIES = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: mesh-wide, namespace: isthmus-system, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  jwtRules:
    - issuer: https://mesh.example.com
      jwksUri: https://mesh.example.com:8443/keys
      timeout: 2s
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: reviews, namespace: default, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  selector: {matchLabels: {app: reviews}}
  jwtRules:
    - issuer: https://issuer.example.com
      audiences: [bookinfo]
      jwks: '${KEY}'
      fromHeaders: [{name: x-token, prefix: "Token "}]
      fromParams: [jwt]
      fromCookies: [session]
      forwardOriginalToken: true
      outputPayloadToHeader: x-jwt-payload
      outputClaimToHeaders: [{header: x-group, claim: org.group}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ratings, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  jwtRules:
    - issuer: https://symmetric.example.com
      jwks: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: edge, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  jwtRules:
    - issuer: https://edge.example.com
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge-gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
    - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}
`;

const push = world(POLICIES);
const config = (p: ReturnType<typeof proxy>) => (jwtAuthnFilterFor(translateContext(p, push))?.typed_config as Fields | undefined);
const providers = (p: ReturnType<typeof proxy>) => (config(p)?.providers ?? {}) as Record<string, Fields>;

describe('RequestAuthentication → jwt_authn', () => {
  it('a workload gets the root namespace policy and its own selected ones, root first, in Istio rule shape', () => {
    const reviews = proxy('sidecar', 'default', { app: 'reviews' });
    const c = config(reviews)!;
    assert.deepEqual(Object.values(providers(reviews)).map((p) => p.issuer), ['https://mesh.example.com', 'https://issuer.example.com']);
    assert.deepEqual(c.rules, [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { allow_missing: {} }] } } }]);
    assert.equal(c.bypass_cors_preflight, true);
  });

  it('every field of a jwtRule lands on its Envoy provider field', () => {
    const [remote, inline] = Object.values(providers(proxy('sidecar', 'default', { app: 'reviews' })));
    assert.deepEqual(remote!.remote_jwks, {
      http_uri: { uri: 'https://mesh.example.com:8443/keys', cluster: 'outbound|8443||mesh.example.com', timeout: { seconds: 2, nanos: 0 } },
      cache_duration: { seconds: 300, nanos: 0 },
    });
    assert.deepEqual(inline, {
      issuer: 'https://issuer.example.com',
      local_jwks: { inline_string: KEY },
      audiences: ['bookinfo'],
      from_headers: [{ name: 'x-token', value_prefix: 'Token ' }],
      from_params: ['jwt'],
      from_cookies: ['session'],
      forward: true,
      forward_payload_header: 'x-jwt-payload',
      claim_to_headers: [{ header_name: 'x-group', claim_name: 'org.group' }],
      payload_in_metadata: 'https://issuer.example.com',
    });
  });

  it('a key set the proxy would reject (a symmetric key) becomes an unverifiable key: tokens fail, the listener stays', () => {
    const p = Object.values(providers(proxy('sidecar', 'default', { app: 'ratings' })));
    assert.equal((p[1]!.local_jwks as Fields).inline_string, UNVERIFIABLE_JWKS);
  });

  it('selectors and namespaces limit where a policy applies; proxyless clients get none', () => {
    assert.deepEqual(Object.values(providers(proxy('sidecar', 'other', { app: 'reviews' }))).map((p) => p.issuer), ['https://mesh.example.com']);
    assert.equal(config(proxy('proxyless', 'default', { app: 'reviews' })), undefined);
  });

  it('a Gateway targetRef selects gateway proxies by gateway.networking.k8s.io/gateway-name; the filter goes first in the chain', () => {
    const gw = proxy('router', 'default', { istio: 'ingressgateway', 'gateway.networking.k8s.io/gateway-name': 'edge' });
    assert.deepEqual(Object.values(providers(gw)).map((p) => p.issuer), ['https://mesh.example.com', 'https://edge.example.com']);
    // No jwks and no jwksUri: Istio would discover keys by OIDC; we fail closed for that issuer.
    assert.equal((Object.values(providers(gw))[1]!.local_jwks as Fields).inline_string, UNVERIFIABLE_JWKS);
    const listeners = generate(TYPE_URL.LISTENER, gw, push);
    const l80 = listeners.find((l) => l.name === '0.0.0.0_80');
    assert.ok(l80);
    assert.doesNotThrow(() => encodeResource(l80));
    const hcm = ((l80.value.filter_chains as Fields[])[0]!.filters as Fields[])[0]!.typed_config as Fields;
    assert.equal((hcm.http_filters as Fields[])[0]!.name, 'envoy.filters.http.jwt_authn');
  });

  it('no RequestAuthentication: no filter', () => {
    const empty = world('');
    assert.equal(jwtAuthnFilterFor(translateContext(proxy('sidecar', 'default', { app: 'reviews' }), empty)), undefined);
  });
});
