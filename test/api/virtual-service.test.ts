import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadText } from '../../src/api/index.js';
import { expectOnlyError, loadValid } from '../helpers/config.js';
import type { VirtualServiceSpec } from '../../src/api/networking/virtual-service.js';

const SAMPLES = [
  'bookinfo-gateway.yaml',
  'virtual-service-all-v1.yaml',
  'virtual-service-reviews-50-v3.yaml',
  'virtual-service-reviews-v3.yaml',
  'virtual-service-reviews-test-v2.yaml',
  'virtual-service-ratings-test-delay.yaml',
  'virtual-service-ratings-test-abort.yaml',
  'virtual-service-reviews-80-20.yaml',
  'virtual-service-reviews-90-10.yaml',
  'virtual-service-reviews-jason-v2-v3.yaml',
];

function sample(name: string): string {
  return readFileSync(new URL(`../../../samples/bookinfo/networking/${name}`, import.meta.url), 'utf8');
}


/** A VirtualService document around `spec` (indented by two spaces, as YAML under `spec:`). */
function loadOk(text: string, file = 'vs.yaml') {
  return loadValid(text, file);
}

/** Expects exactly one error, at the line marked `# <-`, with a hint unless the problem lists the options. */
function expectError(text: string, code: string, path: string, problem?: RegExp): void {
  const e = expectOnlyError(text, { code, path, problem });
  assert.ok(e.hint.length > 0 || e.code !== 'INVALID_VALUE' || /one of/.test(e.problem), `a hint is given: ${e.message}`);
}

function vs(spec: string): string {
  const marksSpec = /^ *# <-\n/.test(spec); // the snippet expects the error on `spec:` itself
  return `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: t\nspec:${marksSpec ? ' # <-' : ''}\n${spec.replace(/^ *(# <-)?\n/, '')}`;
}


for (const name of SAMPLES) {
  test(`bookinfo sample ${name} loads without errors`, () => {
    const resources = loadOk(sample(name), name);
    assert.ok(resources.length >= 1);
  });
}

test('the bookinfo samples mean what the Istio task says', () => {
  const [, bookinfo] = loadOk(sample('bookinfo-gateway.yaml'));
  const spec = bookinfo!.spec as VirtualServiceSpec;
  assert.deepEqual(spec.gateways, ['bookinfo-gateway']);
  assert.deepEqual(spec.http?.[0]?.match?.map((m) => m.uri), [
    { exact: '/productpage' }, { prefix: '/static' }, { exact: '/login' }, { exact: '/logout' }, { prefix: '/api/v1/products' },
  ]);
  assert.equal(spec.http?.[0]?.route?.[0]?.destination.port?.number, 9080);

  const delay = loadOk(sample('virtual-service-ratings-test-delay.yaml'))[0]!.spec as VirtualServiceSpec;
  assert.equal(delay.http?.[0]?.fault?.delay?.fixedDelay, '7s');
  assert.deepEqual(delay.http?.[0]?.match?.[0]?.headers, { 'end-user': { exact: 'jason' } });
  const abort = loadOk(sample('virtual-service-ratings-test-abort.yaml'))[0]!.spec as VirtualServiceSpec;
  assert.deepEqual(abort.http?.[0]?.fault?.abort, { httpStatus: 500, percentage: { value: 100 } });
  const split = loadOk(sample('virtual-service-reviews-50-v3.yaml'))[0]!.spec as VirtualServiceSpec;
  assert.deepEqual(split.http?.[0]?.route?.map((d) => [d.destination.subset, d.weight]), [['v1', 50], ['v3', 50]]);
  assert.equal(loadOk(sample('virtual-service-all-v1.yaml')).length, 4);
});

test('reference examples: rewrite, delegate, headers, mirrors', () => {
  loadOk(vs(`
  hosts:
  - reviews.prod.svc.cluster.local
  http:
  - name: "reviews-v2-routes"
    match:
    - uri:
        prefix: "/wpcatalog"
    - uri:
        prefix: "/consumercatalog"
    rewrite:
      uri: "/newcatalog"
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v2
  - name: "reviews-v1-route"
    headers:
      request:
        set:
          test: "true"
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v1
      headers:
        response:
          remove:
          - foo
      weight: 75
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v2
      weight: 25
    mirrors:
    - destination:
        host: reviews-shadow
      percentage:
        value: 10
`));
  loadOk(vs(`
  hosts:
  - "bookinfo.com"
  gateways:
  - mygateway
  http:
  - match:
    - uri:
        prefix: "/productpage"
    delegate:
      name: productpage
      namespace: nsA
`));
  // The delegate itself has no hosts.
  loadOk(vs(`
  http:
  - match:
    - uri:
        prefix: "/productpage/v1/"
    route:
    - destination:
        host: productpage-v1.nsA.svc.cluster.local
`));
});

test('reference examples: redirect, direct response, retries, CORS, timeouts', () => {
  loadOk(vs(`
  hosts:
  - ratings.prod.svc.cluster.local
  http:
  - match:
    - uri:
        exact: /v1/getProductRatings
    redirect:
      uri: /v1/bookRatings
      authority: newratings.default.svc.cluster.local
  - match:
    - uri:
        exact: /v2/getProductRatings
    directResponse:
      status: 503
      body:
        string: "{\\"error\\": \\"unknown error\\"}"
    headers:
      response:
        set:
          content-type: "text/plain"
  - match:
    - uri:
        exact: /v3/getProductRatings
    directResponse:
      status: 503
      body:
        bytes: "dW5rbm93biBlcnJvcg=="
  - route:
    - destination:
        host: ratings.prod.svc.cluster.local
        subset: v1
    timeout: 5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure,refused-stream,503
    corsPolicy:
      allowOrigins:
      - exact: https://example.com
      allowMethods:
      - POST
      - GET
      allowCredentials: false
      allowHeaders:
      - X-Foo-Bar
      maxAge: "24h"
      unmatchedPreflights: IGNORE
`));
  loadOk(vs(`
  hosts:
  - ratings.prod.svc.cluster.local
  http:
  - match:
    - headers:
        end-user:
          exact: jason
        x-present: {}
      withoutHeaders:
        x-skip:
          regex: "*"
      uri:
        regex: "/ratings/v[0-9]+/.*"
      ignoreUriCase: true
      queryParams:
        debug:
          exact: ""
      sourceLabels:
        env: prod
      sourceNamespace: prod
      port: 9080
      statPrefix: ratings
    rewrite:
      uriRegexRewrite:
        match: "^/service/([^/]+)(/.*)$"
        rewrite: "/customprefix/\\\\2/\\\\1"
    fault:
      delay:
        percentage:
          value: 0.1
        fixedDelay: 5s
    route:
    - destination:
        host: ratings.prod.svc.cluster.local
`));
});

test('reference examples: TLS (SNI) and TCP routes', () => {
  loadOk(vs(`
  hosts:
  - "*.bookinfo.com"
  gateways:
  - mygateway
  tls:
  - match:
    - port: 443
      sniHosts:
      - login.bookinfo.com
    route:
    - destination:
        host: login.prod.svc.cluster.local
  - match:
    - port: 443
      sniHosts:
      - reviews.bookinfo.com
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
`));
  loadOk(vs(`
  hosts:
  - mongo.prod.svc.cluster.local
  tcp:
  - match:
    - port: 27017
      destinationSubnets:
      - 10.1.0.0/16
    route:
    - destination:
        host: mongo.backup.svc.cluster.local
        port:
          number: 5555
  exportTo:
  - "."
`));
});

// ---- invalid input: each case breaks a different rule ----

test('redirect cannot be combined with route', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - redirect: # <-
      uri: /v2
    route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.http[0].redirect', /both route and redirect/);
});

test('directResponse cannot be combined with route', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - directResponse: # <-
      status: 503
    route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.http[0].directResponse', /both route and directResponse/);
});

test('an HTTP route needs an action', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - timeout: 5s # <-
`), 'INVALID_VALUE', 'spec.http[0]', /needs route, redirect, directResponse or delegate/);
});

test('weights are 0..100', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 150 # <-
`), 'INVALID_VALUE', 'spec.http[0].route[0].weight', /too large/);
});

test('retryOn accepts only known policies and status codes', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    retries:
      attempts: 2
      retryOn: 5xx,503,sometimes # <-
`), 'INVALID_VALUE', 'spec.http[0].retries.retryOn', /"sometimes" is not a valid retryOn policy/);
});

test('retry settings without attempts are rejected', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    retries:
      perTryTimeout: 2s # <-
`), 'INVALID_VALUE', 'spec.http[0].retries.perTryTimeout', /retries are disabled/);
});

test('at least one host unless the VirtualService is a delegate', () => {
  expectError(vs(`
  hosts: [] # <-
  tcp:
  - route:
    - destination: {host: mongo}
`), 'INVALID_VALUE', 'spec.hosts', /at least one host is required/);
});

test('the wildcard host is only for gateways', () => {
  expectError(vs(`
  hosts:
  - "*" # <-
  http:
  - route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.hosts[0]', /not allowed for a VirtualService that applies to the mesh/);
});

test('header names in matches must be valid', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - match:
    - headers:
        "end user": # <-
          exact: jason
    route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.http[0].match[0].headers["end user"]', /not a valid header name/);
});

test('uri regexes must be valid RE2', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - match:
    - uri:
        regex: "/api/(?!internal)" # <-
    route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.http[0].match[0].uri.regex', /not a valid RE2 regex/);
});

test('timeouts are at least 1ms', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - timeout: 0.5ms # <-
    route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.http[0].timeout', /too short/);
});

test('a misspelled field is named with a suggestion', () => {
  const text = vs(`
  hosts: [reviews]
  http:
  - timout: 5s # <-
    route:
    - destination: {host: reviews}
`);
  expectError(text, 'UNKNOWN_FIELD', 'spec.http[0].timout');
  assert.match(loadText(text, 'x.yaml').errors[0]!.hint, /did you mean "timeout"/);
});

test('a fault needs a delay or an abort', () => {
  expectError(vs(`
  hosts: [ratings]
  http:
  - fault: {} # <-
    route:
    - destination: {host: ratings}
`), 'INVALID_VALUE', 'spec.http[0].fault', /delay, an abort or both/);
});

test('abort status codes are 200..600', () => {
  expectError(vs(`
  hosts: [ratings]
  http:
  - fault:
      abort:
        httpStatus: 700 # <-
    route:
    - destination: {host: ratings}
`), 'INVALID_VALUE', 'spec.http[0].fault.abort.httpStatus');
});

test('fault percentages below Envoy precision are rejected', () => {
  expectError(vs(`
  hosts: [ratings]
  http:
  - fault:
      delay:
        fixedDelay: 1s
        percentage:
          value: 0.00001 # <-
    route:
    - destination: {host: ratings}
`), 'INVALID_VALUE', 'spec.http[0].fault.delay.percentage.value', /too small/);
});

test('a destination host cannot be "*"', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: "*" # <-
`), 'INVALID_VALUE', 'spec.http[0].route[0].destination.host');
});

test('a route destination needs a destination', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - weight: 100 # <-
`), 'MISSING_FIELD', 'spec.http[0].route[0].destination');
});

test('TLS matches need sniHosts', () => {
  expectError(vs(`
  hosts: ["*.bookinfo.com"]
  gateways: [mygateway]
  tls:
  - match:
    - port: 443 # <-
    route:
    - destination: {host: login}
`), 'MISSING_FIELD', 'spec.tls[0].match[0].sniHosts');
});

test('SNI hosts must fall within the hosts', () => {
  expectError(vs(`
  hosts: ["*.bookinfo.com"]
  gateways: [mygateway]
  tls:
  - match:
    - sniHosts:
      - login.example.com # <-
    route:
    - destination: {host: login}
`), 'INVALID_VALUE', 'spec.tls[0].match[0].sniHosts[0]', /not within any of the hosts/);
});

test('redirect codes are 3xx', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - redirect:
      uri: /new
      redirectCode: 200 # <-
`), 'INVALID_VALUE', 'spec.http[0].redirect.redirectCode');
});

test('CORS methods must be HTTP methods', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    corsPolicy:
      allowMethods:
      - FETCH # <-
`), 'INVALID_VALUE', 'spec.http[0].corsPolicy.allowMethods[0]', /is not allowed/);
});

test('mirror and mirrors are exclusive', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    mirror: {host: shadow}
    mirrors: # <-
    - destination: {host: shadow2}
`), 'INVALID_VALUE', 'spec.http[0].mirrors', /both mirror and mirrors/);
});

test('the Host header cannot be set on responses', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    headers:
      response:
        set:
          host: example.com # <-
`), 'INVALID_VALUE', 'spec.http[0].headers.response.set.host', /Host header/);
});

test('gateway names must be valid', () => {
  expectError(vs(`
  hosts: [reviews]
  gateways:
  - Bad_NS/gw # <-
  http:
  - route:
    - destination: {host: reviews}
`), 'INVALID_VALUE', 'spec.gateways[0]', /invalid namespace/);
});

test('exportTo has no duplicates', () => {
  expectError(vs(`
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
  exportTo:
  - "."
  - "." # <-
`), 'INVALID_VALUE', 'spec.exportTo[1]', /listed twice/);
});

test('a TCP route needs destinations', () => {
  expectError(vs(`
  hosts: [mongo]
  tcp:
  - match: # <-
    - port: 27017
`), 'MISSING_FIELD', 'spec.tcp[0].route');
});

test('a VirtualService needs some routes', () => {
  expectError(vs(` # <-
  hosts: [reviews]
`), 'INVALID_VALUE', 'spec', /needs http, tls or tcp routes/);
});
