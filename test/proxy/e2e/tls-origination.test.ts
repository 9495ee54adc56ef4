// TLS origination end to end: the app speaks plain HTTP to its sidecar's HTTP-proxy port, and
// the sidecar opens TLS to an HTTPS backend as a DestinationRule's trafficPolicy.tls says
// (SIMPLE with caCertificates and sni, MUTUAL with a client certificate). A real control plane,
// a real `isthmus proxy`, curl, real HTTPS servers, and certificates openssl makes for the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { eventually } from '../../helpers/eventually.js';
import { makePki, type Pki } from '../upstream/tls-certs.js';
import { Mesh, type Sidecar } from './mesh.js';
import { serviceEntry, viaProxy } from './fixtures.js';

const SECURE = 'secure.default.svc.cluster.local';
const WRONG_CA = 'wrong-ca.default.svc.cluster.local';
const WRONG_SAN = 'wrong-san.default.svc.cluster.local';
const MTLS = 'mtls.default.svc.cluster.local';
const MTLS_NO_CERT = 'mtls-no-cert.default.svc.cluster.local';
const PORT = 8443;

interface HttpsBackend {
  port: number;
  /** Paths of the requests that reached the application. */
  paths: string[];
  close(): Promise<void>;
}

/** An HTTPS server that answers with the SNI it got and the client certificate's CN, if any. */
async function startHttpsBackend(options: https.ServerOptions): Promise<HttpsBackend> {
  const paths: string[] = [];
  const server = https.createServer(options, (req, res) => {
    paths.push(req.url ?? '');
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sni: socket.servername, client: peer?.subject ? peer.subject.CN : null, path: req.url }));
  });
  server.on('tlsClientError', () => {});
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

function destinationRule(name: string, host: string, tls: Record<string, unknown>): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    `metadata: {name: ${name}, namespace: default}`,
    'spec:',
    `  host: ${host}`,
    '  trafficPolicy:',
    `    tls: ${JSON.stringify(tls)}`,
    '',
  ].join('\n');
}

const clusterOf = (host: string) => `outbound|${PORT}||${host}`;

let pki: Pki;
let otherPki: Pki;
let plainTls: HttpsBackend;
let mutualTls: HttpsBackend;
let mesh: Mesh;
let sidecar: Sidecar;
let accessLog: string;

before(async () => {
  [pki, otherPki] = await Promise.all([makePki(), makePki('Not The Backend CA')]);
  const [serverCert, clientCert] = await Promise.all([
    pki.issue('secure-backend', ['DNS:secure.example.com']),
    pki.issue('client-app', ['URI:spiffe://cluster.local/ns/default/sa/client']),
  ]);
  const key = await readFile(serverCert.key);
  const cert = await readFile(serverCert.cert);
  plainTls = await startHttpsBackend({ key, cert });
  mutualTls = await startHttpsBackend({ key, cert, requestCert: true, rejectUnauthorized: true, ca: await readFile(pki.ca.cert) });
  const entry = (name: string, host: string, backend: HttpsBackend) => serviceEntry(name, host, [{ number: PORT, name: 'http', protocol: 'HTTP' }], [{ port: backend.port }]);
  const simple = { mode: 'SIMPLE', caCertificates: pki.ca.cert, sni: 'secure.example.com' };
  mesh = await Mesh.start({
    'secure.yaml': entry('secure', SECURE, plainTls) + '---\n' + destinationRule('secure', SECURE, { ...simple, subjectAltNames: ['secure.example.com'] }),
    'wrong-ca.yaml': entry('wrong-ca', WRONG_CA, plainTls) + '---\n' + destinationRule('wrong-ca', WRONG_CA, { ...simple, caCertificates: otherPki.ca.cert }),
    'wrong-san.yaml': entry('wrong-san', WRONG_SAN, plainTls) + '---\n' + destinationRule('wrong-san', WRONG_SAN, { ...simple, subjectAltNames: ['someone-else.example.com'] }),
    'mtls.yaml': entry('mtls', MTLS, mutualTls) + '---\n' + destinationRule('mtls', MTLS, { ...simple, mode: 'MUTUAL', clientCertificate: clientCert.cert, privateKey: clientCert.key }),
    'mtls-no-cert.yaml': entry('mtls-no-cert', MTLS_NO_CERT, mutualTls) + '---\n' + destinationRule('mtls-no-cert', MTLS_NO_CERT, simple),
  });
  accessLog = join(mesh.dir, 'client-access.log');
  sidecar = await mesh.sidecar({ service: 'client', extraArgs: ['--access-log', accessLog, '--access-log-format', 'json'] });
  // Every TLS cluster must be in place before a 503 can be blamed on TLS (an unknown host would
  // also fail, through the passthrough cluster).
  await sidecar.waitForConfig('the TLS clusters', (dump) => [SECURE, WRONG_CA, WRONG_SAN, MTLS, MTLS_NO_CERT].every((h) => dump.includes(clusterOf(h))) && dump.includes('UpstreamTlsContext'));
});

after(async () => {
  await mesh?.close();
  await plainTls?.close();
  await mutualTls?.close();
  await pki?.close();
  await otherPki?.close();
});

/** The access log entry for a request, by its path (each test uses its own). */
async function logEntry(path: string): Promise<Record<string, unknown>> {
  return eventually(`the access log entry for ${path}`, async () => {
    const lines = (await readFile(accessLog, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    return lines.find((l) => l.path === path);
  });
}

test('SIMPLE: plain HTTP from the app leaves the sidecar as TLS with the DestinationRule sni, verified by its CA and SAN', async () => {
  const r = await viaProxy(sidecar, `http://${SECURE}:${PORT}/simple`);
  assert.equal(r.status, 200, r.body + r.stderr);
  assert.deepEqual(JSON.parse(r.body), { sni: 'secure.example.com', client: null, path: '/simple' });
  const entry = await logEntry('/simple');
  assert.equal(entry.upstream_cluster, clusterOf(SECURE));
  assert.equal(entry.response_flags, '-');
});

test('SIMPLE with a CA that did not sign the backend: 503 UF, and the request never reaches the backend', async () => {
  const r = await viaProxy(sidecar, `http://${WRONG_CA}:${PORT}/wrong-ca`);
  assert.equal(r.status, 503);
  assert.match(r.body, /connection failure/);
  const entry = await logEntry('/wrong-ca');
  assert.equal(entry.upstream_cluster, clusterOf(WRONG_CA));
  assert.match(String(entry.response_flags), /\bUF\b/);
  assert.ok(!plainTls.paths.includes('/wrong-ca'));
});

test('SIMPLE with subjectAltNames the backend does not have: 503 UF', async () => {
  const r = await viaProxy(sidecar, `http://${WRONG_SAN}:${PORT}/wrong-san`);
  assert.equal(r.status, 503);
  const entry = await logEntry('/wrong-san');
  assert.equal(entry.upstream_cluster, clusterOf(WRONG_SAN));
  assert.match(String(entry.response_flags), /\bUF\b/);
  assert.ok(!plainTls.paths.includes('/wrong-san'));
});

test('MUTUAL: the client certificate reaches a backend that requires one; without it the backend refuses (503)', async () => {
  const ok = await viaProxy(sidecar, `http://${MTLS}:${PORT}/mutual`);
  assert.equal(ok.status, 200, ok.body + ok.stderr);
  assert.deepEqual(JSON.parse(ok.body), { sni: 'secure.example.com', client: 'client-app', path: '/mutual' });
  const refused = await viaProxy(sidecar, `http://${MTLS_NO_CERT}:${PORT}/no-cert`);
  assert.equal(refused.status, 503);
  const entry = await logEntry('/no-cert');
  assert.equal(entry.upstream_cluster, clusterOf(MTLS_NO_CERT));
  // TLS 1.3: the refusal is an alert after the client's side of the handshake; still a TLS failure.
  assert.match(String(entry.response_flags), /\bUF\b/);
  assert.ok(!mutualTls.paths.includes('/no-cert'));
});
