// HTTP routing end to end: a real control plane, real sidecar processes, curl through the
// sidecar's HTTP-proxy listener, and two real backends (v1, v2) that say who answered. One mesh
// serves every test; each VirtualService route below exercises one Istio HTTPRoute feature.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { Mesh, type Sidecar } from './mesh.js';
import { ECHO, MAX_TIME, curlOutput, freePorts, serviceEntry, versionSubsets, viaProxy, waitForListener } from './fixtures.js';

const STRICT = 'strict.default.svc.cluster.local';
const PLAIN = 'plain.default.svc.cluster.local';
const EGRESS = 'egress-echo.default.svc.cluster.local';
const ECHO_URL = `http://${ECHO}:8080`;

function toSubset(subset: string): string {
  return `[{destination: {host: ${ECHO}, subset: ${subset}, port: {number: 8080}}}]`;
}

/** Every HTTPRoute feature under test, one route each, in match order; the last is the default. */
const ECHO_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [${ECHO}]
  http:
  - name: exact
    match: [{uri: {exact: /exact}}]
    route: ${toSubset('v2')}
  - name: prefix
    match: [{uri: {prefix: /prefix/}}]
    route: ${toSubset('v2')}
  - name: regex
    match: [{uri: {regex: '/re/[0-9]+'}}]
    route: ${toSubset('v2')}
  - name: header
    match: [{headers: {x-user: {exact: alice}}}]
    route: ${toSubset('v2')}
  - name: query
    match: [{queryParams: {version: {exact: two}}}]
    route: ${toSubset('v2')}
  - name: method
    match: [{method: {exact: DELETE}}]
    route: ${toSubset('v2')}
  - name: weighted
    match: [{uri: {prefix: /weighted/}}]
    route:
    - {destination: {host: ${ECHO}, subset: v1}, weight: 80}
    - {destination: {host: ${ECHO}, subset: v2}, weight: 20}
  - name: redirect
    match: [{uri: {exact: /old}}]
    redirect: {uri: /new, authority: moved.example.com, redirectCode: 301}
  - name: direct
    match: [{uri: {exact: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout\\n"}}
  - name: rewrite
    match: [{uri: {prefix: /api/}}]
    rewrite: {uri: /internal/, authority: backend.internal}
    route: ${toSubset('v1')}
  - name: headers
    match: [{uri: {prefix: /headers}}]
    headers:
      request: {set: {x-set: one}, add: {x-added: two}, remove: [x-drop]}
      response: {set: {x-resp-set: three}, add: {x-resp-add: four}, remove: [x-backend]}
    route: ${toSubset('v1')}
  - name: abort
    match: [{uri: {prefix: /abort}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
    route: ${toSubset('v1')}
  - name: delay
    match: [{uri: {prefix: /delay}}]
    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
    route: ${toSubset('v1')}
  - name: cors
    match: [{uri: {prefix: /cors}}]
    corsPolicy:
      allowOrigins: [{exact: "https://ok.example"}]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      exposeHeaders: [x-backend]
      maxAge: 1h
      allowCredentials: true
    route: ${toSubset('v1')}
  - name: mirror
    match: [{uri: {prefix: /mirror/}}]
    route: ${toSubset('v1')}
    mirror: {host: ${ECHO}, subset: v2, port: {number: 8080}}
    mirrorPercentage: {value: 100}
  - name: default
    route: ${toSubset('v1')}
`;

/** A host whose only route is /only: anything else has no route. */
const STRICT_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: strict, namespace: default}
spec:
  hosts: [${STRICT}]
  http:
  - match: [{uri: {prefix: /only}}]
    route: [{destination: {host: ${STRICT}}}]
`;

const EGRESS_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: egress-echo, namespace: default}
spec:
  hosts: [${EGRESS}]
  http:
  - match: [{uri: {prefix: /to-v2}}]
    route: ${toSubset('v2')}
  - route: [{destination: {host: ${EGRESS}}}]
`;

/** The "locked" workload: an explicit egress listener on a port, and REGISTRY_ONLY. */
function lockedSidecar(egressPort: number): string {
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: locked, namespace: default}
spec:
  workloadSelector: {labels: {app: locked}}
  egress:
  - port: {number: ${egressPort}, protocol: HTTP, name: http-egress}
    bind: 127.0.0.1
    hosts: ["./*"]
  - hosts: ["./*"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;
}

let v1: Backend;
let v2: Backend;
let mesh: Mesh;
let client: Sidecar;
let locked: Sidecar;
let egressPort: number;

before(async () => {
  [v1, v2] = await Promise.all([startHttpBackend('v1'), startHttpBackend('v2')]);
  [egressPort] = await freePorts(1);
  const versions = [{ port: v1.port, labels: { version: 'v1' } }, { port: v2.port, labels: { version: 'v2' } }];
  const http8080 = [{ number: 8080, name: 'http', protocol: 'HTTP' }];
  mesh = await Mesh.start({
    'echo.yaml': serviceEntry('echo', ECHO, http8080, versions),
    'echo-dr.yaml': versionSubsets('echo', ECHO, ['v1', 'v2']),
    'echo-vs.yaml': ECHO_ROUTES,
    'strict.yaml': serviceEntry('strict', STRICT, http8080, [{ port: v1.port }]),
    'strict-vs.yaml': STRICT_ROUTES,
    'plain.yaml': serviceEntry('plain', PLAIN, http8080, [{ port: v2.port }]),
    'egress.yaml': serviceEntry('egress-echo', EGRESS, [{ number: egressPort, name: 'http', protocol: 'HTTP' }], [{ port: v1.port }]),
    'egress-vs.yaml': EGRESS_ROUTES,
    'locked-sidecar.yaml': lockedSidecar(egressPort),
  });
  [client, locked] = await Promise.all([mesh.sidecar({ service: 'client' }), mesh.sidecar({ service: 'locked' })]);
});

after(async () => {
  await mesh?.close();
  await Promise.all([v1?.close(), v2?.close()]);
});

/** Requests the backend saw whose path starts with `prefix`. */
function seen(b: Backend, prefix: string) {
  return b.requests.filter((r) => r.path.startsWith(prefix));
}

test('path exact, prefix and regex matches pick their subset; near misses fall to the default route', async () => {
  const cases: [string, string][] = [
    ['/exact', 'v2'], ['/exact/more', 'v1'],
    ['/prefix/a/b', 'v2'], ['/prefixed', 'v1'],
    ['/re/123', 'v2'], ['/re/12x', 'v1'],
  ];
  for (const [path, want] of cases) {
    const r = await viaProxy(client, `${ECHO_URL}${path}`);
    assert.equal(r.status, 200, `${path}: ${r.stderr}`);
    assert.equal(r.headers['x-backend'], want, path);
  }
});

test('header, query parameter and method matches pick their subset', async () => {
  assert.equal((await viaProxy(client, `${ECHO_URL}/h`, ['-H', 'x-user: alice'])).headers['x-backend'], 'v2');
  assert.equal((await viaProxy(client, `${ECHO_URL}/h`, ['-H', 'x-user: bob'])).headers['x-backend'], 'v1');
  assert.equal((await viaProxy(client, `${ECHO_URL}/q?version=two`)).headers['x-backend'], 'v2');
  assert.equal((await viaProxy(client, `${ECHO_URL}/q?version=one`)).headers['x-backend'], 'v1');
  assert.equal((await viaProxy(client, `${ECHO_URL}/m`, ['-X', 'DELETE'])).headers['x-backend'], 'v2');
  assert.equal((await viaProxy(client, `${ECHO_URL}/m`, ['-X', 'PUT'])).headers['x-backend'], 'v1');
});

test('a service without a VirtualService gets the default route', async () => {
  const r = await viaProxy(client, `http://${PLAIN}:8080/anything`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'v2');
});

test('weighted 80/20 split holds over 400 requests (±8%)', async () => {
  const out = await curlOutput(['-x', `http://127.0.0.1:${client.outboundPort}`, `${ECHO_URL}/weighted/[1-400]`]);
  const lines = out.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 400, out.slice(0, 500));
  const toV1 = lines.filter((l) => l.startsWith('v1 ')).length;
  const toV2 = lines.filter((l) => l.startsWith('v2 ')).length;
  assert.equal(toV1 + toV2, 400);
  const share = toV1 / 400;
  assert.ok(Math.abs(share - 0.8) <= 0.08, `v1 got ${toV1}/400 (${(share * 100).toFixed(1)}%), want 80% ± 8`);
});

test('redirect answers 301 with the new Location (host replaced, so the port is dropped as Envoy does)', async () => {
  const before = v1.requests.length + v2.requests.length;
  const r = await viaProxy(client, `${ECHO_URL}/old?keep=1`);
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, 'http://moved.example.com/new?keep=1');
  assert.equal(v1.requests.length + v2.requests.length, before, 'no backend saw the request');
});

test('directResponse answers from the proxy', async () => {
  const r = await viaProxy(client, `${ECHO_URL}/teapot`);
  assert.equal(r.status, 418);
  assert.equal(r.body, 'short and stout\n');
  assert.equal(seen(v1, '/teapot').length + seen(v2, '/teapot').length, 0);
});

test('prefix rewrite and authority rewrite reach the backend', async () => {
  const r = await viaProxy(client, `${ECHO_URL}/api/users?id=7`);
  assert.equal(r.status, 200);
  assert.equal(r.body, 'v1 GET /internal/users?id=7\n');
  const got = seen(v1, '/internal/users').at(-1);
  assert.ok(got);
  assert.equal(got.headers.host, 'backend.internal');
});

test('request and response header manipulation (headers.request / headers.response)', async () => {
  const r = await viaProxy(client, `${ECHO_URL}/headers`, ['-H', 'x-set: zero', '-H', 'x-added: one', '-H', 'x-drop: yes']);
  assert.equal(r.status, 200);
  const got = seen(v1, '/headers').at(-1);
  assert.ok(got, 'v1 saw the request');
  assert.equal(got.headers['x-set'], 'one', 'request set overwrites');
  assert.equal(got.headers['x-added'], 'one, two', 'request add appends');
  assert.equal(got.headers['x-drop'], undefined, 'request remove drops');
  assert.equal(r.headers['x-resp-set'], 'three', 'response set');
  assert.equal(r.headers['x-resp-add'], 'four', 'response add');
  assert.equal(r.headers['x-backend'], undefined, 'response remove drops');
});

test('a host whose routes do not match answers 404 (no route)', async () => {
  assert.equal((await viaProxy(client, `http://${STRICT}:8080/only/here`)).headers['x-backend'], 'v1');
  const before = v1.requests.length;
  const r = await viaProxy(client, `http://${STRICT}:8080/other`);
  assert.equal(r.status, 404);
  assert.equal(v1.requests.length, before);
});

test('a host outside the registry passes through under ALLOW_ANY and is refused (502) under REGISTRY_ONLY', async () => {
  // HTTP-proxy mode routes by Host: an address no service owns goes to the PassthroughCluster.
  const open = await viaProxy(client, `http://127.0.0.1:${v1.port}/passthrough`);
  assert.equal(open.status, 200, open.stderr);
  assert.equal(open.body, 'v1 GET /passthrough\n');
  const before = seen(v1, '/blocked').length;
  const blocked = await viaProxy(locked, `http://127.0.0.1:${v1.port}/blocked`);
  assert.equal(blocked.status, 502);
  assert.equal(seen(v1, '/blocked').length, before);
});

test('fault abort answers 503 without reaching the backend', async () => {
  const r = await viaProxy(client, `${ECHO_URL}/abort`);
  assert.equal(r.status, 503);
  assert.equal(seen(v1, '/abort').length, 0);
});

test('fault delay holds the request at least 300 ms, then forwards it', async () => {
  const started = Date.now();
  const r = await viaProxy(client, `${ECHO_URL}/delay`);
  const elapsed = Date.now() - started;
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'v1');
  assert.ok(elapsed >= 300, `took ${elapsed} ms`);
});

test('CORS: preflight answered by the proxy; simple requests get the allow headers', async () => {
  const preflight = await viaProxy(client, `${ECHO_URL}/cors`, [
    '-X', 'OPTIONS', '-H', 'Origin: https://ok.example', '-H', 'Access-Control-Request-Method: POST', '-H', 'Access-Control-Request-Headers: x-custom',
  ]);
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://ok.example');
  assert.equal(preflight.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(preflight.headers['access-control-allow-headers'], 'x-custom');
  assert.equal(preflight.headers['access-control-max-age'], '3600');
  assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
  assert.equal(seen(v1, '/cors').filter((r) => r.method === 'OPTIONS').length, 0, 'the preflight never reached the backend');

  const simple = await viaProxy(client, `${ECHO_URL}/cors`, ['-H', 'Origin: https://ok.example']);
  assert.equal(simple.status, 200);
  assert.equal(simple.headers['access-control-allow-origin'], 'https://ok.example');
  assert.equal(simple.headers['access-control-expose-headers'], 'x-backend');
  assert.equal(simple.headers['access-control-allow-credentials'], 'true');

  const other = await viaProxy(client, `${ECHO_URL}/cors`, ['-H', 'Origin: https://evil.example']);
  assert.equal(other.status, 200);
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('mirror: v1 answers, v2 gets a copy with the -shadow host', async () => {
  const path = `/mirror/${Date.now()}`;
  const r = await viaProxy(client, `${ECHO_URL}${path}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-backend'], 'v1');
  const copy = await eventually('v2 sees the mirrored request', () => v2.requests.find((x) => x.path === path));
  assert.match(String(copy.headers.host), /^echo\.default\.svc\.cluster\.local-shadow(:8080)?$/);
});

test('Sidecar egress listener with port and bind 127.0.0.1 serves its hosts and their routes', async () => {
  await waitForListener(locked, `127.0.0.1_${egressPort}`);
  const resolve = ['--resolve', `${EGRESS}:${egressPort}:127.0.0.1`];
  const direct = await curl([...MAX_TIME, ...resolve, `http://${EGRESS}:${egressPort}/hello`]);
  assert.equal(direct.status, 200, direct.stderr);
  assert.equal(direct.body, 'v1 GET /hello\n');
  const routed = await curl([...MAX_TIME, ...resolve, `http://${EGRESS}:${egressPort}/to-v2`]);
  assert.equal(routed.headers['x-backend'], 'v2');
  // Unknown hosts on that listener meet its REGISTRY_ONLY catch-all.
  const unknown = await curl([...MAX_TIME, '-H', 'Host: nowhere.example.com', `http://127.0.0.1:${egressPort}/`]);
  assert.equal(unknown.status, 502);
});
