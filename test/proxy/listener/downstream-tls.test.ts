// TLS termination in process: a plain TCP server hands each accepted socket to a TlsAcceptor,
// and real TLS clients (node:tls) connect with certificates openssl made for the run — the
// certificate served and the ALPN chosen, client certificates required, optional, from the wrong
// CA or with the wrong SAN, and certificate files rotated or missing at first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { eventually } from '../../helpers/eventually.js';
import { makePki, type IssuedCert, type Pki } from '../upstream/tls-certs.js';
import { DownstreamTlsMaterial, TlsAcceptor } from '../../../src/proxy/listener/downstream-tls.js';
import type { DownstreamTlsSettings } from '../../../src/proxy/listener/tls-termination.js';

let pki: Pki;
let otherPki: Pki;
let server: IssuedCert;
let client: IssuedCert;
let stranger: IssuedCert;

before(async () => {
  [pki, otherPki] = await Promise.all([makePki(), makePki('Some Other CA')]);
  [server, client, stranger] = await Promise.all([
    pki.issue('shop', ['DNS:shop.example.com']),
    pki.issue('client', ['URI:spiffe://td/ns/default/sa/client']),
    otherPki.issue('stranger', ['URI:spiffe://td/ns/default/sa/client']),
  ]);
});

after(async () => {
  await pki?.close();
  await otherPki?.close();
});

function settings(extra: Partial<DownstreamTlsSettings> = {}): DownstreamTlsSettings {
  return {
    certificates: [{ chain: { filename: server.cert }, key: { filename: server.key } }],
    alpn: ['h2', 'http/1.1'],
    requireClientCertificate: false,
    requireSni: false,
    params: {},
    disableTickets: false,
    handshakeTimeoutMs: 15_000,
    ...extra,
  };
}

interface Terminating {
  port: number;
  secured: tls.TLSSocket[];
  failures: string[];
  close(): Promise<void>;
}

/** A TCP listener terminating TLS with `material`; a secured connection answers "hello <alpn>". */
async function terminating(material: DownstreamTlsMaterial): Promise<Terminating> {
  const secured: tls.TLSSocket[] = [];
  const failures: string[] = [];
  const acceptor = new TlsAcceptor(material, {
    secure: (s) => {
      secured.push(s);
      s.end(`hello ${String(s.alpnProtocol)}`);
    },
    failed: (reason) => failures.push(reason),
  });
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    acceptor.accept(raw);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    secured,
    failures,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

interface Outcome {
  /** What the server said; undefined when the connection failed or closed silently. */
  body?: string;
  error?: string;
  peerCn?: string;
}

async function connect(port: number, opts: tls.ConnectionOptions = {}): Promise<Outcome> {
  const ca = await readFile(pki.ca.cert);
  return new Promise((resolve) => {
    const out: Outcome = {};
    let body = '';
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'shop.example.com', ALPNProtocols: ['h2', 'http/1.1'], ...opts }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      if (cn) out.peerCn = String(cn);
    });
    s.on('data', (d: Buffer) => (body += d.toString()));
    s.on('error', (e: Error & { code?: string }) => (out.error = e.code ?? e.message));
    s.on('close', () => resolve(body ? { ...out, body } : out));
  });
}

async function withClientCert(cert: IssuedCert): Promise<tls.ConnectionOptions> {
  return { cert: await readFile(cert.cert), key: await readFile(cert.key) };
}

test('SIMPLE: the certificate is served, ALPN h2 is chosen, the terminal gets the TLS socket', async (t) => {
  const srv = await terminating(new DownstreamTlsMaterial(settings()));
  t.after(() => srv.close());
  const r = await connect(srv.port);
  assert.equal(r.body, 'hello h2');
  assert.equal(r.peerCn, 'shop');
  assert.equal(srv.secured[0]?.servername, 'shop.example.com');
  const h1 = await connect(srv.port, { ALPNProtocols: ['http/1.1'] });
  assert.equal(h1.body, 'hello http/1.1');
  assert.deepEqual(srv.failures, []);
});

test('MUTUAL: no certificate and a certificate from another CA are refused; the CA-signed one passes', async (t) => {
  const material = new DownstreamTlsMaterial(settings({
    clientValidation: { trustedCa: { filename: pki.ca.cert }, sans: [], hashes: [], spkis: [] },
    requireClientCertificate: true,
  }));
  const srv = await terminating(material);
  t.after(() => srv.close());
  const none = await connect(srv.port);
  assert.equal(none.body, undefined);
  const wrongCa = await connect(srv.port, await withClientCert(stranger));
  assert.equal(wrongCa.body, undefined);
  await eventually('both refusals are reported', () => (srv.failures.length === 2 ? true : undefined));
  assert.match(srv.failures.join('\n'), /PEER_DID_NOT_RETURN_A_CERTIFICATE/);
  assert.match(srv.failures.join('\n'), /client certificate not verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  const good = await connect(srv.port, await withClientCert(client));
  assert.equal(good.body, 'hello h2');
  assert.equal(srv.secured.length, 1);
});

test('MUTUAL with SAN matchers: a client certificate without the SAN is refused after the handshake', async (t) => {
  const material = new DownstreamTlsMaterial(settings({
    clientValidation: { trustedCa: { filename: pki.ca.cert }, sans: [{ type: 'URI', matcher: { exact: 'spiffe://td/ns/default/sa/other' } }], hashes: [], spkis: [] },
    requireClientCertificate: true,
  }));
  const srv = await terminating(material);
  t.after(() => srv.close());
  const r = await connect(srv.port, await withClientCert(client));
  assert.equal(r.body, undefined);
  await eventually('the refusal is reported', () => srv.failures[0]);
  assert.equal(srv.failures[0], 'client verify cert failed: SAN matcher');
});

test('OPTIONAL_MUTUAL: no certificate passes, an untrusted one does not', async (t) => {
  const material = new DownstreamTlsMaterial(settings({ clientValidation: { trustedCa: { filename: pki.ca.cert }, sans: [], hashes: [], spkis: [] } }));
  const srv = await terminating(material);
  t.after(() => srv.close());
  assert.equal((await connect(srv.port)).body, 'hello h2');
  assert.equal((await connect(srv.port, await withClientCert(stranger))).body, undefined);
  await eventually('the refusal is reported', () => srv.failures[0]);
  assert.match(srv.failures[0]!, /client certificate not verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});

test('require_sni: a client that sends no server name is refused', async (t) => {
  const srv = await terminating(new DownstreamTlsMaterial(settings({ requireSni: true })));
  t.after(() => srv.close());
  assert.equal((await connect(srv.port, { servername: '', checkServerIdentity: () => undefined })).body, undefined);
  await eventually('the refusal is reported', () => srv.failures[0]);
  assert.match(srv.failures[0]!, /no SNI/);
});

test('certificate files missing at first: handshakes are refused with the reason until the files appear; a rotation reaches new connections', async (t) => {
  const dir = pki.dir;
  const cert = join(dir, 'rotating.crt');
  const key = join(dir, 'rotating.key');
  const material = new DownstreamTlsMaterial(settings({ certificates: [{ chain: { filename: cert }, key: { filename: key } }] }));
  assert.match(material.failure ?? '', /cannot read certificate chain .*rotating\.crt: ENOENT/);
  const srv = await terminating(material);
  t.after(async () => {
    await srv.close();
    await rm(cert, { force: true });
    await rm(key, { force: true });
  });
  assert.equal((await connect(srv.port)).body, undefined);
  assert.match(srv.failures[0]!, /no usable certificate/);
  await copyFile(server.key, key);
  await copyFile(server.cert, cert);
  await eventually('the certificate loads', async () => ((await connect(srv.port)).peerCn === 'shop' ? true : undefined), { everyMs: 200 });
  const next = await pki.issue('shop-rotated', ['DNS:shop.example.com']);
  await copyFile(next.key, key);
  await copyFile(next.cert, cert);
  await eventually('the rotated certificate is served', async () => ((await connect(srv.port)).peerCn === 'shop-rotated' ? true : undefined), { everyMs: 200 });
});
