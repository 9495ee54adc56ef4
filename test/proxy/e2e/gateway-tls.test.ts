// TLS termination at the ingress gateway end to end: a Gateway with two HTTPS servers on one
// port — shop.example.com SIMPLE, secure.example.com MUTUAL — each with its own certificate
// files, a VirtualService bound to it, the real control plane, a real `isthmus proxy --type
// gateway`, curl as the client and certificates openssl makes for the run. Each SNI gets its own
// chain and certificate; a name no server has, or plaintext, finds no chain and is closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl, type CurlResult } from '../../helpers/curl.js';
import { makePki, type IssuedCert, type Pki } from '../upstream/tls-certs.js';
import { Mesh, type Sidecar } from './mesh.js';
import { curlOutput, freePorts, MAX_TIME, serviceEntry, waitForListener } from './fixtures.js';

const SHOP = 'shop.example.com';
const SECURE = 'secure.example.com';
const BACKEND = 'store.default.svc.cluster.local';

let pki: Pki;
let otherPki: Pki;
let clientCert: IssuedCert;
let strangerCert: IssuedCert;
let backend: Backend;
let mesh: Mesh;
let ingress: Sidecar;
let port: number;
let plainPort: number;

function gateway(shop: IssuedCert, secure: IssuedCert, ca: string): string {
  const server = (name: string, host: string, tls: Record<string, string>) =>
    `  - {port: {number: ${port}, name: ${name}, protocol: HTTPS}, hosts: ["${host}"], bind: 127.0.0.1, tls: ${JSON.stringify(tls)}}`;
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: Gateway',
    'metadata: {name: edge, namespace: default}',
    'spec:',
    '  selector: {istio: ingressgateway}',
    '  servers:',
    server('https-shop', SHOP, { mode: 'SIMPLE', serverCertificate: shop.cert, privateKey: shop.key }),
    server('https-secure', SECURE, { mode: 'MUTUAL', serverCertificate: secure.cert, privateKey: secure.key, caCertificates: ca }),
    `  - {port: {number: ${plainPort}, name: http-shop, protocol: HTTP}, hosts: ["${SHOP}"], bind: 127.0.0.1, tls: {httpsRedirect: true}}`,
    '',
  ].join('\n');
}

const ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: store, namespace: default}
spec:
  hosts: [${SHOP}, ${SECURE}]
  gateways: [edge]
  http:
  - route: [{destination: {host: ${BACKEND}, port: {number: 8080}}}]
`;

before(async () => {
  [pki, otherPki] = await Promise.all([makePki(), makePki('Not The Gateway CA')]);
  let shopCert: IssuedCert;
  let secureCert: IssuedCert;
  [shopCert, secureCert, clientCert, strangerCert] = await Promise.all([
    pki.issue('shop', [`DNS:${SHOP}`]),
    pki.issue('secure', [`DNS:${SECURE}`]),
    pki.issue('client', ['URI:spiffe://example/client']),
    otherPki.issue('stranger', ['URI:spiffe://example/client']),
  ]);
  backend = await startHttpBackend('store');
  [port, plainPort] = (await freePorts(2)) as [number, number];
  mesh = await Mesh.start({
    'store.yaml': serviceEntry('store', BACKEND, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [{ port: backend.port }]),
    'gateway.yaml': gateway(shopCert, secureCert, pki.ca.cert),
    'routes.yaml': ROUTES,
  });
  ingress = await mesh.sidecar({ service: 'ingress', type: 'gateway', labels: { istio: 'ingressgateway' }, outboundPort: 0 });
  await waitForListener(ingress, `127.0.0.1_${port}`);
  await waitForListener(ingress, `127.0.0.1_${plainPort}`);
});

after(async () => {
  await mesh?.close();
  await backend?.close();
  await pki?.close();
  await otherPki?.close();
});

/** curl to `https://host:port/path` with the name resolved to the gateway. */
function https(host: string, path: string, args: string[] = []): Promise<CurlResult> {
  return curl([...MAX_TIME, '--resolve', `${host}:${port}:127.0.0.1`, ...args, `https://${host}:${port}${path}`]);
}

test('SIMPLE: HTTPS to the gateway reaches the backend over HTTP/1.1, with its certificate verified by the CA', async () => {
  const r = await https(SHOP, '/simple', ['--cacert', pki.ca.cert, '--http1.1']);
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.headers['x-backend'], 'store');
  const seen = backend.requests.find((q) => q.path === '/simple');
  assert.ok(seen);
  // The gateway tells the backend the client came over TLS.
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
});

test('SIMPLE: HTTP/2 is negotiated by ALPN', async () => {
  const out = await curlOutput([
    '--resolve', `${SHOP}:${port}:127.0.0.1`, '--cacert', pki.ca.cert, '--http2', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `https://${SHOP}:${port}/h2`,
  ]);
  assert.equal(out, '200 2');
  assert.ok(backend.requests.some((q) => q.path === '/h2'));
});

test('a server name no Gateway server has finds no chain: the connection is closed before any certificate', async () => {
  const r = await https('other.example.com', '/nobody', ['-k']);
  assert.equal(r.status, 0);
  assert.notEqual(r.exitCode, 0);
  const plain = await curl([...MAX_TIME, '-H', `Host: ${SHOP}`, `http://127.0.0.1:${port}/plaintext`]);
  assert.equal(plain.status, 0, 'plaintext finds no chain either');
  assert.ok(!backend.requests.some((q) => q.path === '/nobody' || q.path === '/plaintext'));
});

test('each SNI gets its own chain: secure.example.com is served its own certificate', async () => {
  const r = await https(SECURE, '/which-cert', ['--cacert', pki.ca.cert, '--cert', clientCert.cert, '--key', clientCert.key, '-v']);
  assert.equal(r.status, 200, r.stderr);
  assert.match(r.stderr, /subject: CN=secure/);
});

test('MUTUAL: without a client certificate the handshake fails; the proxy says why', async () => {
  const r = await https(SECURE, '/no-cert', ['--cacert', pki.ca.cert]);
  assert.equal(r.status, 0);
  assert.notEqual(r.exitCode, 0);
  assert.ok(!backend.requests.some((q) => q.path === '/no-cert'));
  await ingress.process.waitForLine(/TLS connection from 127\.0\.0\.1:\d+ closed: .*PEER_DID_NOT_RETURN_A_CERTIFICATE/);
});

test('MUTUAL: a client certificate from another CA is refused', async () => {
  const r = await https(SECURE, '/stranger', ['--cacert', pki.ca.cert, '--cert', strangerCert.cert, '--key', strangerCert.key]);
  assert.equal(r.status, 0);
  assert.ok(!backend.requests.some((q) => q.path === '/stranger'));
  await ingress.process.waitForLine(/TLS connection closed: client certificate not verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});

test('MUTUAL: with the CA-signed client certificate the request reaches the backend, over HTTP/2 too', async () => {
  const r = await https(SECURE, '/mutual', ['--cacert', pki.ca.cert, '--cert', clientCert.cert, '--key', clientCert.key]);
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.headers['x-backend'], 'store');
  const out = await curlOutput([
    '--resolve', `${SECURE}:${port}:127.0.0.1`, '--cacert', pki.ca.cert, '--cert', clientCert.cert, '--key', clientCert.key,
    '--http2', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `https://${SECURE}:${port}/mutual-h2`,
  ]);
  assert.equal(out, '200 2');
});

test('a client that offers no ALPN is served HTTP/1.1', async () => {
  const r = await https(SHOP, '/no-alpn', ['--cacert', pki.ca.cert, '--no-alpn', '--http1.1']);
  assert.equal(r.status, 200, r.stderr);
  assert.ok(backend.requests.some((q) => q.path === '/no-alpn'));
});

test('httpsRedirect: a plaintext request to the HTTP server is redirected to https (301), never forwarded', async () => {
  const before = backend.requests.length;
  const r = await curl([...MAX_TIME, '--resolve', `${SHOP}:${plainPort}:127.0.0.1`, `http://${SHOP}:${plainPort}/cart?x=1`]);
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, `https://${SHOP}:${plainPort}/cart?x=1`);
  assert.equal(backend.requests.length, before);
});
