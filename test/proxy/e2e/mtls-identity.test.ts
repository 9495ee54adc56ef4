// Mesh mutual TLS end to end with workload identities from the real mesh CA: the manager runs
// the CA (`isthmus control-plane`), two `isthmus proxy` processes get SPIFFE certificates with
// bootstrap tokens from `isthmus ca token`, and a hand-written DestinationRule ISTIO_MUTUAL makes
// the client's sidecar speak mTLS to the server's. openssl s_client checks what the server's
// inbound port presents; a short --cert-ttl makes both proxies renew in the middle of traffic,
// and no request may fail across those renewals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { viaProxy } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';

const SERVER = 'server.default.svc.cluster.local';
const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/server';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';

const ISTIO_MUTUAL = [
  'apiVersion: networking.istio.io/v1',
  'kind: DestinationRule',
  'metadata: {name: server-mtls, namespace: default}',
  'spec:',
  `  host: ${SERVER}`,
  '  trafficPolicy:',
  '    tls: {mode: ISTIO_MUTUAL}',
  '',
].join('\n');

let mesh: Mesh;
let app: Backend;
let server: Sidecar;
let client: Sidecar;
let bundle: string;
let tokens: string;

function opensslSClient(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', ...args], { timeout: 20_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
    child.stdin?.end('');
  });
}

/** The certificates (serials) a proxy has logged getting, in order. */
function serials(sidecar: Sidecar): string[] {
  return [...sidecar.process.output().matchAll(/identity: certificate for \S+ \(serial ([0-9A-Fa-f]+)\)/g)].map((m) => m[1]!);
}

async function identityArgs(sa: string): Promise<string[]> {
  const token = await runCli(['ca', 'token', '--ca-dir', dirname(bundle), '--namespace', 'default', '--service-account', sa]);
  assert.equal(token.code, 0, token.stderr);
  const file = join(tokens, `${sa}.jwt`);
  await writeFile(file, token.stdout.trim());
  const ca = /ca (127\.0\.0\.1:\d+) trust bundle/.exec(mesh.controlPlane.output())![1]!;
  return ['--service-account', sa, '--ca-address', ca, '--ca-root', bundle, '--token-file', file, '--cert-ttl', '12s', '--renew-fraction', '0.5'];
}

before(async () => {
  mesh = await Mesh.start({ 'dr.yaml': ISTIO_MUTUAL });
  const [, path] = (await mesh.controlPlane.waitForLine(/ca 127\.0\.0\.1:\d+ trust bundle (\S+) trust domain/)) as RegExpExecArray;
  bundle = path!;
  tokens = await mkdtemp(join(tmpdir(), 'isthmus-tokens-'));
  app = await startHttpBackend('server-app');
  server = await mesh.sidecar({ service: 'server', labels: { app: 'server' }, appPort: app.port, outboundPort: 0, extraArgs: await identityArgs('server') });
  client = await mesh.sidecar({ service: 'client', labels: { app: 'client' }, extraArgs: await identityArgs('client') });
});

after(async () => {
  await mesh?.close();
  await app?.close();
  if (tokens) await rm(tokens, { recursive: true, force: true });
});

const url = () => `http://${SERVER}:${server.inboundPort}/hello`;

test('the client sidecar reaches the server sidecar over mutual TLS with SPIFFE identities', async () => {
  await eventually('a request through both sidecars', async () => {
    const r = await viaProxy(client, url());
    return r.status === 200 ? r : undefined;
  });
  const r = await viaProxy(client, url());
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.headers['x-backend'], 'server-app');
  // The server side saw the client's certificate: its metrics carry Istio's labels for it.
  await eventually('inbound mTLS metrics', async () => {
    const text = await (await server.admin('/stats/prometheus')).text();
    return text.split('\n').some((l) => l.startsWith('istio_requests_total') && l.includes(`source_principal="${CLIENT_ID}"`) && l.includes('connection_security_policy="mutual_tls"')) ? true : undefined;
  });
});

test('openssl s_client: the inbound port presents a chain to the mesh root with the SPIFFE URI SAN, and wants a client certificate', async () => {
  const out = await opensslSClient(['-connect', `127.0.0.1:${server.inboundPort}`, '-CAfile', bundle, '-alpn', 'istio,h2,http/1.1', '-showcerts', '-verify_return_error']);
  assert.match(out, /Verify return code: 0 \(ok\)/, out);
  const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)![0];
  const text = await new Promise<string>((resolve, reject) => {
    const child = execFile('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
    child.stdin?.end(leaf);
  });
  assert.match(text, new RegExp(`URI:${SERVER_ID.replace(/[/.]/g, '\\$&')}`));
  assert.match(out, /Acceptable client certificate CA names|Requested Signature Algorithms|Client Certificate Types/);
});

test('certificates renewed in the middle of traffic drop no request', async () => {
  const before = { server: serials(server).length, client: serials(client).length };
  assert.ok(before.server >= 1 && before.client >= 1);
  let ok = 0;
  const failures: string[] = [];
  // Keep traffic flowing until both proxies have renewed at least once since the test began.
  while (serials(server).length < before.server + 1 || serials(client).length < before.client + 1 || ok < 50) {
    const r = await viaProxy(client, url());
    if (r.status === 200) ok++;
    else failures.push(`${r.status} ${r.stderr}`);
    assert.ok(ok + failures.length < 5000, 'no renewal within 5000 requests');
  }
  assert.deepEqual(failures, []);
  assert.ok(ok >= 50);
  const after = serials(server);
  assert.notEqual(after.at(-1), after[before.server - 1], 'the server presents a new certificate');
});
