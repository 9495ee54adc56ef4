// Gateway TLS from credentials in the config store, end to end: Kubernetes Secrets (a
// kubernetes.io/tls one, and a `-cacert` one for the client CA) in the real control plane's
// config directory, a Gateway whose servers name them with credentialName, a real `isthmus proxy
// --type gateway` that gets them over SDS, and curl as the client with certificates openssl made
// for the run. Rewriting the Secret's file rotates the certificate for new connections. A
// sidecar — or a gateway in another namespace — asking the manager for the same SDS name gets
// nothing: a private key reaches only gateways in the Secret's own namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl, type CurlResult } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { node, TestStream } from '../../control/xds/harness.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { makePki, type IssuedCert, type Pki } from '../upstream/tls-certs.js';
import { Mesh, type Sidecar } from './mesh.js';
import { freePorts, MAX_TIME, serviceEntry, waitForListener } from './fixtures.js';

const SHOP = 'shop.example.com';
const SECURE = 'secure.example.com';
const BACKEND = 'store.default.svc.cluster.local';

let pki: Pki;
let shopCert: IssuedCert;
let secureCert: IssuedCert;
let clientCert: IssuedCert;
let rotatedCert: IssuedCert;
let backend: Backend;
let mesh: Mesh;
let ingress: Sidecar;
let port: number;
let latePort: number;

const b64 = async (path: string) => (await readFile(path)).toString('base64');

/** A kubernetes.io/tls Secret, as `kubectl create secret tls` writes it. */
async function tlsSecret(name: string, cert: IssuedCert, namespace = 'default'): Promise<string> {
  return [
    'apiVersion: v1',
    'kind: Secret',
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    'type: kubernetes.io/tls',
    'data:',
    `  tls.crt: ${await b64(cert.cert)}`,
    `  tls.key: ${await b64(cert.key)}`,
    '',
  ].join('\n');
}

/** Istio's `<name>-cacert` Secret: a generic one with only the client CA. */
async function caSecret(name: string, ca: string): Promise<string> {
  return ['apiVersion: v1', 'kind: Secret', `metadata: {name: ${name}}`, 'type: Opaque', 'data:', `  ca.crt: ${await b64(ca)}`, ''].join('\n');
}

function gateway(): string {
  const server = (name: string, host: string, tls: Record<string, string>) =>
    `  - {port: {number: ${port}, name: ${name}, protocol: HTTPS}, hosts: ["${host}"], bind: 127.0.0.1, tls: ${JSON.stringify(tls)}}`;
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: Gateway',
    'metadata: {name: edge, namespace: default}',
    'spec:',
    '  selector: {istio: ingressgateway}',
    '  servers:',
    server('https-shop', SHOP, { mode: 'SIMPLE', credentialName: 'shop-cred' }),
    server('https-secure', SECURE, { mode: 'MUTUAL', credentialName: 'secure-cred' }),
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
  pki = await makePki('Gateway Credential CA');
  [shopCert, secureCert, clientCert, rotatedCert] = await Promise.all([
    pki.issue('shop', [`DNS:${SHOP}`]),
    pki.issue('secure', [`DNS:${SECURE}`]),
    pki.issue('client', ['URI:spiffe://example/client']),
    pki.issue('shop-rotated', [`DNS:${SHOP}`]),
  ]);
  backend = await startHttpBackend('store');
  [port, latePort] = (await freePorts(2)) as [number, number];
  mesh = await Mesh.start({
    'store.yaml': serviceEntry('store', BACKEND, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [{ port: backend.port }]),
    'gateway.yaml': gateway(),
    'routes.yaml': ROUTES,
    'shop-cred.yaml': await tlsSecret('shop-cred', shopCert),
    'secure-cred.yaml': await tlsSecret('secure-cred', secureCert),
    'secure-cred-cacert.yaml': await caSecret('secure-cred-cacert', pki.ca.cert),
    // The same name in another namespace: a gateway there gets this one, never default's.
    'other-ns.yaml': await tlsSecret('shop-cred', secureCert, 'elsewhere'),
  });
  ingress = await mesh.sidecar({ service: 'ingress', type: 'gateway', labels: { istio: 'ingressgateway' }, outboundPort: 0 });
  await waitForListener(ingress, `127.0.0.1_${port}`);
});

after(async () => {
  await mesh?.close();
  await backend?.close();
  await pki?.close();
});

function https(host: string, path: string, args: string[] = []): Promise<CurlResult> {
  return curl([...MAX_TIME, '--resolve', `${host}:${port}:127.0.0.1`, ...args, `https://${host}:${port}${path}`]);
}

test('SIMPLE with credentialName: the gateway serves the Secret\'s certificate, verified by its CA', async () => {
  const r = await https(SHOP, '/simple', ['--cacert', pki.ca.cert, '-v']);
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.headers['x-backend'], 'store');
  assert.match(r.stderr, /subject: CN=shop\b/);
});

test('MUTUAL with credentialName: the client CA comes from <name>-cacert; no client certificate, no handshake', async () => {
  const refused = await https(SECURE, '/no-cert', ['--cacert', pki.ca.cert]);
  assert.equal(refused.status, 0);
  assert.notEqual(refused.exitCode, 0);
  assert.ok(!backend.requests.some((q) => q.path === '/no-cert'));
  const r = await https(SECURE, '/mutual', ['--cacert', pki.ca.cert, '--cert', clientCert.cert, '--key', clientCert.key, '-v']);
  assert.equal(r.status, 200, r.stderr);
  assert.match(r.stderr, /subject: CN=secure\b/);
});

test('the proxy holds credentials in memory only: its config dump carries no key', async () => {
  const dump = await (await ingress.admin('/config_dump')).text();
  assert.match(dump, /kubernetes:\/\/shop-cred/, 'the listener names the credential');
  assert.ok(!dump.includes('PRIVATE KEY'));
  assert.ok(!dump.includes((await readFile(shopCert.key, 'utf8')).split('\n')[1]!));
});

test('a sidecar, or a gateway in another namespace, asking for the credential gets nothing', async (t) => {
  const ask = async (id: string, namespace: string, name: string) => {
    const stream = new TestStream<{ nonce: string; type_url: string; resources: { value: Buffer }[] }>(mesh.xdsPort, 'sotw');
    t.after(() => {
      stream.call.end();
      stream.client.close();
    });
    stream.send({ node: node(id, { NAMESPACE: namespace }), type_url: TYPE_URL.SECRET, resource_names: [name] });
    const response = await stream.next(`SDS answer to ${id}`);
    return response.resources.map((r) => Buffer.from(r.value).toString('latin1'));
  };
  // The control: a gateway in the Secret's namespace is sent the key.
  const own = await ask('router~127.0.0.9~probe-gw.default~default.svc.cluster.local', 'default', 'kubernetes://shop-cred');
  assert.equal(own.length, 1);
  assert.ok(own[0]!.includes(await readFile(shopCert.key, 'latin1')));
  assert.deepEqual(await ask('sidecar~127.0.0.9~probe.default~default.svc.cluster.local', 'default', 'kubernetes://shop-cred'), []);
  // A gateway elsewhere gets its own namespace's Secret of that name, never default's.
  const elsewhere = await ask('router~127.0.0.9~probe-gw.elsewhere~elsewhere.svc.cluster.local', 'elsewhere', 'kubernetes://shop-cred');
  assert.equal(elsewhere.length, 1);
  assert.ok(elsewhere[0]!.includes(await readFile(secureCert.key, 'latin1')), 'the other namespace\'s own Secret');
  assert.ok(!elsewhere[0]!.includes(await readFile(shopCert.key, 'latin1')));
  assert.deepEqual(await ask('router~127.0.0.9~probe-gw.nowhere~nowhere.svc.cluster.local', 'nowhere', 'kubernetes://shop-cred'), []);
});

test('a listener whose credential has not arrived warms; the Secret\'s arrival binds it', async () => {
  const LATE = 'late.example.com';
  await mesh.write('late-gateway.yaml', [
    'apiVersion: networking.istio.io/v1',
    'kind: Gateway',
    'metadata: {name: late}',
    'spec:',
    '  selector: {istio: ingressgateway}',
    '  servers:',
    `  - {port: {number: ${latePort}, name: https-late, protocol: HTTPS}, hosts: ["${LATE}"], bind: 127.0.0.1, tls: {mode: SIMPLE, credentialName: late-cred}}`,
    '---',
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: {name: late}',
    'spec:',
    `  hosts: [${LATE}]`,
    '  gateways: [late]',
    `  http: [{route: [{destination: {host: ${BACKEND}, port: {number: 8080}}}]}]`,
    '',
  ].join('\n'));
  const name = `127.0.0.1_${latePort}`;
  await eventually('the listener warming on its credential', async () => {
    const all = (await (await ingress.admin('/listeners')).json()) as { name: string; state: string; detail?: string }[];
    const l = all.find((x) => x.name === name);
    return l?.state === 'warming' && l.detail === 'waiting for SDS secret kubernetes://late-cred' ? true : undefined;
  });
  await mesh.write('late-cred.yaml', await tlsSecret('late-cred', await pki.issue('late', [`DNS:${LATE}`])));
  await waitForListener(ingress, name);
  const r = await curl([...MAX_TIME, '--resolve', `${LATE}:${latePort}:127.0.0.1`, '--cacert', pki.ca.cert, `https://${LATE}:${latePort}/late`]);
  assert.equal(r.status, 200, r.stderr);
});

test('rewriting the Secret rotates the certificate: a new connection sees the new one', async () => {
  await mesh.write('shop-cred.yaml', await tlsSecret('shop-cred', rotatedCert));
  await eventually('the rotated certificate on a new connection', async () => {
    const r = await https(SHOP, '/rotated', ['--cacert', pki.ca.cert, '-v']);
    return r.status === 200 && /subject: CN=shop-rotated\b/.test(r.stderr) ? true : undefined;
  });
});
