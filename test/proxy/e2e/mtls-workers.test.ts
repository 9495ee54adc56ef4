// `--concurrency` with TLS: the workers of one proxy are one identity and one ticket issuer.
// A client sidecar with two workers gets its workload certificate through the primary (the only
// process that talks to the CA) and reaches a server sidecar over auto mTLS — both carry the
// tlsMode label, no DestinationRule; and a gateway with two workers resumes every TLS session
// openssl offers, whichever worker the kernel hands the connection to, because the primary
// shares its session ticket keys with all of them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { makePki, type Pki } from '../upstream/tls-certs.js';
import { freePorts, viaProxy, waitForListener } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';

const SERVER = 'server.default.svc.cluster.local';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';
const SHOP = 'shop.example.com';

let mesh: Mesh;
let app: Backend;
let pki: Pki;
let server: Sidecar;
let client: Sidecar;
let gateway: Sidecar;
let gatewayPort: number;
let bundle: string;
let tmp: string;

function gatewayYaml(cert: { cert: string; key: string }): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: ${gatewayPort}, name: https, protocol: HTTPS}, hosts: ["${SHOP}"], bind: 127.0.0.1, tls: {mode: SIMPLE, serverCertificate: ${cert.cert}, privateKey: ${cert.key}}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [${SHOP}]
  gateways: [edge]
  http:
  - route: [{destination: {host: ${SERVER}}}]
`;
}

async function identityArgs(sa: string): Promise<string[]> {
  const token = await runCli(['ca', 'token', '--ca-dir', dirname(bundle), '--namespace', 'default', '--service-account', sa]);
  assert.equal(token.code, 0, token.stderr);
  const file = join(tmp, `${sa}.jwt`);
  await writeFile(file, token.stdout.trim());
  const ca = /ca (127\.0\.0\.1:\d+) trust bundle/.exec(mesh.controlPlane.output())![1]!;
  return ['--service-account', sa, '--ca-address', ca, '--ca-root', bundle, '--token-file', file];
}

function sClient(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${gatewayPort}`, '-servername', SHOP, '-tls1_3', ...args], { timeout: 20_000 }, (_e, out, err) => resolve(out + err));
    // Wait for the server's session ticket before closing (TLS 1.3 sends it after the handshake).
    setTimeout(() => child.stdin?.end(''), 300);
  });
}

before(async () => {
  [gatewayPort] = (await freePorts(1)) as [number];
  pki = await makePki();
  const shopCert = await pki.issue('shop', [`DNS:${SHOP}`]);
  mesh = await Mesh.start({ 'gateway.yaml': gatewayYaml(shopCert) });
  const [, path] = (await mesh.controlPlane.waitForLine(/ca 127\.0\.0\.1:\d+ trust bundle (\S+) trust domain/)) as RegExpExecArray;
  bundle = path!;
  tmp = await mkdtemp(join(tmpdir(), 'isthmus-workers-'));
  app = await startHttpBackend('server-app');
  server = await mesh.sidecar({ service: 'server', labels: { app: 'server' }, appPort: app.port, outboundPort: 0, extraArgs: await identityArgs('server') });
  client = await mesh.sidecar({ service: 'client', labels: { app: 'client' }, extraArgs: [...(await identityArgs('client')), '--concurrency', '2'] });
  gateway = await mesh.sidecar({ service: 'ingress', type: 'gateway', labels: { istio: 'ingressgateway' }, outboundPort: 0, extraArgs: ['--concurrency', '2'] });
  await waitForListener(gateway, `127.0.0.1_${gatewayPort}`);
});

after(async () => {
  await mesh?.close();
  await app?.close();
  await pki?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('a client sidecar with two workers speaks auto mTLS with the identity its primary obtained', async () => {
  const url = `http://${SERVER}:${server.inboundPort}/hello`;
  // Several requests, so both workers (the kernel spreads connections) have served some.
  await eventually('requests through the two-worker client sidecar', async () => {
    const r = await viaProxy(client, url);
    return r.status === 200 ? r : undefined;
  });
  for (let i = 0; i < 10; i++) {
    const r = await viaProxy(client, url);
    assert.equal(r.status, 200, r.stderr);
  }
  await eventually('the server saw the client workers\' certificate', async () => {
    const text = await (await server.admin('/stats/prometheus')).text();
    const line = text.split('\n').find((l) => l.startsWith('istio_requests_total') && l.includes(`source_principal="${CLIENT_ID}"`) && l.includes('connection_security_policy="mutual_tls"'));
    const count = line ? Number(line.split(' ').at(-1)) : 0;
    return count >= 11 ? true : undefined;
  });
});

test('a gateway with two workers resumes every TLS 1.3 session, whichever worker takes the connection', async () => {
  const session = join(tmp, 'shop.session');
  const first = await sClient(['-sess_out', session]);
  assert.match(first, /New, TLSv1\.3/, first);
  const outcomes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const out = await sClient(['-sess_in', session]);
    outcomes.push(/Reused, TLSv1\.3/.test(out) ? 'reused' : /New, TLSv1\.3/.test(out) ? 'new' : `failed: ${out.slice(-300)}`);
  }
  assert.deepEqual(outcomes, Array(12).fill('reused'));
});
