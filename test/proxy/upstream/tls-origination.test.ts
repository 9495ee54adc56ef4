// Upstream TLS against real TLS servers on loopback, with certificates openssl makes for the
// run: a cluster with an UpstreamTlsContext, its pool, and tries through sendAttempt (HTTP/1 and
// HTTP/2) or the TCP proxy. Checks what reaches the server (SNI, ALPN, client certificate),
// that verification failures are connect failures with a reason and leak no request, and that
// rotated certificate files reach new connections.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, rename, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { decodeCluster, type ClusterConfig } from '../../../src/proxy/xds-client/index.js';
import { sendAttempt, type AttemptResult } from '../../../src/proxy/upstream/attempt.js';
import { UpstreamCluster } from '../../../src/proxy/upstream/cluster.js';
import { ClusterManager } from '../../../src/proxy/upstream/cluster-manager.js';
import { UPSTREAM_TLS_CONTEXT_TYPE } from '../../../src/proxy/upstream/tls-origination.js';
import { proxyTcp, type TcpSessionSummary } from '../../../src/proxy/listener/tcp-proxy.js';
import { eventually } from '../../helpers/eventually.js';
import { makePki, type IssuedCert, type Pki } from './tls-certs.js';

let pki: Pki;
let otherPki: Pki;
let server: IssuedCert;
let clientA: IssuedCert;
let clientB: IssuedCert;
let selfSigned: IssuedCert;

before(async () => {
  [pki, otherPki] = await Promise.all([makePki(), makePki('Some Other CA')]);
  [server, clientA, clientB, selfSigned] = await Promise.all([
    pki.issue('backend', ['DNS:*.backend.example.com', 'URI:spiffe://cluster.local/ns/prod/sa/backend', 'IP:127.0.0.1']),
    pki.issue('client-a', ['URI:spiffe://cluster.local/ns/prod/sa/client-a']),
    pki.issue('client-b', ['URI:spiffe://cluster.local/ns/prod/sa/client-b']),
    pki.selfSigned('lonely', ['DNS:lonely.example.com']),
  ]);
});

after(async () => {
  await pki?.close();
  await otherPki?.close();
});

const pem = (path: string) => readFileSync(path);

interface Seen {
  sni: string | false | null;
  alpn: string | false | null;
  client: string | null;
  httpVersion: string;
}

interface TestServer {
  port: number;
  /** Requests that reached the application. */
  seen: Seen[];
  /** TLS connections that completed. */
  connections: number;
  close(): Promise<void>;
}

function describe(socket: tls.TLSSocket, httpVersion: string): Seen {
  const peer = socket.getPeerCertificate();
  return { sni: socket.servername, alpn: socket.alpnProtocol, client: peer && peer.subject ? String(peer.subject.CN) : null, httpVersion };
}

type ServerOptions = tls.TlsOptions & { h2?: boolean };

/** An HTTPS (or h2 over TLS) server that answers with what it saw of the connection. */
async function startServer(cert: IssuedCert, opts: ServerOptions = {}): Promise<TestServer> {
  const seen: Seen[] = [];
  const { h2, ...tlsOptions } = opts;
  const options = { key: pem(cert.key), cert: pem(cert.cert), ...tlsOptions };
  const handler = (req: { socket: unknown; httpVersion: string }, res: { writeHead(s: number, h: Record<string, string>): void; end(b: string): void }) => {
    const s = describe(req.socket as tls.TLSSocket, req.httpVersion);
    seen.push(s);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(s));
  };
  const srv = h2 ? http2.createSecureServer(options, handler) : https.createServer(options, handler);
  const out: TestServer = { port: 0, seen, connections: 0, close: async () => {} };
  srv.on('secureConnection', () => out.connections++);
  // Failed handshakes are the point of several tests.
  srv.on('tlsClientError', () => {});
  const sockets = new Set<net.Socket>();
  srv.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  out.port = (srv.address() as net.AddressInfo).port;
  out.close = () => new Promise((r) => {
    for (const s of sockets) s.destroy();
    srv.close(() => r());
  });
  return out;
}

/** A STATIC cluster to one loopback port with this UpstreamTlsContext, decoded as from the wire. */
function tlsCluster(port: number, context: Record<string, unknown>, http2Cluster = false): ClusterConfig {
  const value: Record<string, unknown> = {
    name: 'tls-cluster',
    type: 'STATIC',
    connect_timeout: { seconds: 5 },
    load_assignment: { cluster_name: 'tls-cluster', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, ...context } },
  };
  if (http2Cluster) {
    value.typed_extension_protocol_options = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  const decoded = decodeCluster(encodeResource({ name: 'tls-cluster', typeUrl: TYPE_URL.CLUSTER, value }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  return decoded.value;
}

function validation(ca: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { combined_validation_context: { default_validation_context: extra, validation_context_sds_secret_config: { name: `file-root:${ca}` } } };
}

function clientCert(c: IssuedCert): Record<string, unknown> {
  return { tls_certificate_sds_secret_configs: [{ name: `file-cert:${c.cert}~${c.key}` }] };
}

interface Outcome {
  result: AttemptResult;
  body?: Seen;
}

async function send(cluster: UpstreamCluster, port: number): Promise<Outcome> {
  const result = await sendAttempt(
    { method: 'GET', path: '/', authority: 'host-header.example.com', scheme: 'http', headers: {}, body: undefined },
    { pool: cluster.pool, protocol: cluster.protocol === 'http2' ? 'http2' : 'http1', host: '127.0.0.1', port, perTryTimeoutMs: 0 },
  );
  if (!result.ok) return { result };
  const chunks: Buffer[] = [];
  for await (const c of result.response.body) chunks.push(c as Buffer);
  return { result, body: JSON.parse(Buffer.concat(chunks).toString()) as Seen };
}

function failed(o: Outcome): { failure: string; reason: string } {
  assert.equal(o.result.ok, false, `expected a failure, got ${JSON.stringify(o.body)}`);
  const r = o.result as Extract<AttemptResult, { ok: false }>;
  return { failure: r.failure, reason: r.transportFailureReason ?? '' };
}

/** Builds the cluster, runs `body`, and always closes cluster and server. */
async function withCluster(srv: TestServer, config: ClusterConfig, body: (c: UpstreamCluster) => Promise<void>): Promise<void> {
  const cluster = new UpstreamCluster(config, undefined);
  try {
    await body(cluster);
  } finally {
    cluster.close();
    await srv.close();
  }
}

test('HTTP/1 over TLS: SNI from sni, ALPN http/1.1 as fallback, server verified by the CA, the connection kept alive', async () => {
  const srv = await startServer(server, { ALPNProtocols: ['h2', 'http/1.1'] });
  await withCluster(srv, tlsCluster(srv.port, { sni: 'api.backend.example.com', common_tls_context: validation(pki.ca.cert) }), async (cluster) => {
    const first = await send(cluster, srv.port);
    assert.ok(first.result.ok);
    assert.deepEqual(first.body, { sni: 'api.backend.example.com', alpn: 'http/1.1', client: null, httpVersion: '1.1' } satisfies Seen);
    const second = await send(cluster, srv.port);
    assert.ok(second.result.ok);
    assert.equal(srv.connections, 1, 'the second request reused the TLS connection');
  });
});

test('without sni the proxy sends no SNI at all (not the Host header, as Envoy); configured ALPN wins', async () => {
  const srv = await startServer(server, { ALPNProtocols: ['x-custom', 'http/1.1'] });
  await withCluster(srv, tlsCluster(srv.port, { common_tls_context: { ...validation(pki.ca.cert), alpn_protocols: ['x-custom'] } }), async (cluster) => {
    const o = await send(cluster, srv.port);
    assert.ok(o.result.ok);
    assert.equal(o.body?.sni, false);
    assert.equal(o.body?.alpn, 'x-custom');
  });
});

test('a server the trusted CA did not sign is a connect failure with the reason, and never sees the request', async () => {
  const srv = await startServer(server);
  await withCluster(srv, tlsCluster(srv.port, { sni: 'api.backend.example.com', common_tls_context: validation(otherPki.ca.cert) }), async (cluster) => {
    const { failure, reason } = failed(await send(cluster, srv.port));
    assert.equal(failure, 'connect-failure');
    assert.match(reason, /^TLS_error: CERTIFICATE_VERIFY_FAILED: .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    assert.equal(srv.seen.length, 0);
  });
});

test('SAN matchers: a wildcard DNS SAN or the URI SAN passes; a mismatch fails verification and leaks no request', async () => {
  const cases: [Record<string, unknown>, boolean][] = [
    [{ match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'orders.backend.example.com' } }] }, true],
    [{ match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/ns/prod/' } }] }, true],
    [{ match_typed_subject_alt_names: [{ san_type: 'IP_ADDRESS', matcher: { exact: '127.0.0.1' } }] }, true],
    [{ match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/prod/sa/someone-else' } }] }, false],
    [{ match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'a.b.backend.example.com' } }] }, false],
  ];
  for (const [sans, ok] of cases) {
    const srv = await startServer(server);
    await withCluster(srv, tlsCluster(srv.port, { common_tls_context: validation(pki.ca.cert, sans) }), async (cluster) => {
      const o = await send(cluster, srv.port);
      if (ok) {
        assert.ok(o.result.ok, JSON.stringify(sans));
        return;
      }
      assert.deepEqual(failed(o), { failure: 'connect-failure', reason: 'TLS_error: CERTIFICATE_VERIFY_FAILED: verify cert failed: SAN matcher' });
      assert.equal(srv.seen.length, 0);
    });
  }
});

test('certificate pinning: the right SPKI passes, a wrong hash alone fails', async () => {
  const { createHash, X509Certificate } = await import('node:crypto');
  const spki = createHash('sha256').update(new X509Certificate(pem(server.cert)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  for (const [pins, ok] of [[{ verify_certificate_spki: [spki] }, true], [{ verify_certificate_hash: ['00'.repeat(32)] }, false]] as const) {
    const srv = await startServer(server);
    await withCluster(srv, tlsCluster(srv.port, { common_tls_context: validation(pki.ca.cert, pins) }), async (cluster) => {
      const o = await send(cluster, srv.port);
      if (ok) assert.ok(o.result.ok);
      else assert.equal(failed(o).reason, 'TLS_error: CERTIFICATE_VERIFY_FAILED: verify cert failed: cert hash and spki');
    });
  }
});

test('no validation context: a self-signed server is accepted — TLS without verification, as Envoy', async () => {
  const srv = await startServer(selfSigned);
  await withCluster(srv, tlsCluster(srv.port, { sni: 'lonely.example.com' }), async (cluster) => {
    const o = await send(cluster, srv.port);
    assert.ok(o.result.ok);
    assert.equal(o.body?.sni, 'lonely.example.com');
  });
});

test('MUTUAL: the client certificate is presented to a server that requires one', async () => {
  const srv = await startServer(server, { requestCert: true, rejectUnauthorized: true, ca: pem(pki.ca.cert) });
  await withCluster(srv, tlsCluster(srv.port, { common_tls_context: { ...validation(pki.ca.cert), ...clientCert(clientA) } }), async (cluster) => {
    const o = await send(cluster, srv.port);
    assert.ok(o.result.ok);
    assert.equal(o.body?.client, 'client-a');
  });
});

test('MUTUAL missing: a server requiring a client certificate refuses — a TLS failure, never a response', async () => {
  // TLS 1.2: the refusal comes inside the handshake, so it is a connect failure with the alert.
  const srv12 = await startServer(server, { requestCert: true, rejectUnauthorized: true, ca: pem(pki.ca.cert), maxVersion: 'TLSv1.2' });
  await withCluster(srv12, tlsCluster(srv12.port, { common_tls_context: validation(pki.ca.cert) }), async (cluster) => {
    const { failure, reason } = failed(await send(cluster, srv12.port));
    assert.equal(failure, 'connect-failure');
    assert.match(reason, /^TLS_error: .*alert handshake failure/);
    assert.equal(srv12.seen.length, 0);
  });
  // TLS 1.3: the client's handshake is done before the server checks; the alert follows.
  const srv13 = await startServer(server, { requestCert: true, rejectUnauthorized: true, ca: pem(pki.ca.cert), minVersion: 'TLSv1.3' });
  await withCluster(srv13, tlsCluster(srv13.port, { common_tls_context: validation(pki.ca.cert) }), async (cluster) => {
    failed(await send(cluster, srv13.port));
    assert.equal(srv13.seen.length, 0);
  });
});

test('HTTP/2 over TLS: ALPN h2 to an h2 server; a wrong CA fails the session the same way', async () => {
  const srv = await startServer(server, { h2: true });
  await withCluster(srv, tlsCluster(srv.port, { sni: 'grpc.backend.example.com', common_tls_context: validation(pki.ca.cert) }, true), async (cluster) => {
    assert.equal(cluster.protocol, 'http2');
    const o = await send(cluster, srv.port);
    assert.ok(o.result.ok);
    assert.deepEqual(o.body, { sni: 'grpc.backend.example.com', alpn: 'h2', client: null, httpVersion: '2.0' } satisfies Seen);
  });
  const srv2 = await startServer(server, { h2: true });
  await withCluster(srv2, tlsCluster(srv2.port, { common_tls_context: validation(otherPki.ca.cert) }, true), async (cluster) => {
    const { failure, reason } = failed(await send(cluster, srv2.port));
    assert.equal(failure, 'connect-failure');
    assert.match(reason, /^TLS_error: CERTIFICATE_VERIFY_FAILED: /);
    assert.equal(srv2.seen.length, 0);
  });
});

test('a plaintext server behind a TLS cluster is a connect failure, not a plaintext request', async () => {
  const received: string[] = [];
  const plain = net.createServer((s) => {
    s.on('data', (d) => {
      received.push(d.toString('latin1'));
      s.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const port = (plain.address() as net.AddressInfo).port;
  const cluster = new UpstreamCluster(tlsCluster(port, { common_tls_context: validation(pki.ca.cert) }), undefined);
  try {
    const { failure, reason } = failed(await send(cluster, port));
    assert.equal(failure, 'connect-failure');
    assert.match(reason, /^TLS_error: /);
    assert.ok(received.every((r) => !r.includes('GET /')), 'no plaintext request went out');
  } finally {
    cluster.close();
    await new Promise((r) => plain.close(r));
  }
});

test('a rotated client certificate file reaches new connections; idle ones are let go', async () => {
  const dir = pki.dir;
  const live: IssuedCert = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
  await copyFile(clientA.cert, live.cert);
  await copyFile(clientA.key, live.key);
  const srv = await startServer(server, { requestCert: true, rejectUnauthorized: true, ca: pem(pki.ca.cert) });
  await withCluster(srv, tlsCluster(srv.port, { common_tls_context: { ...validation(pki.ca.cert), ...clientCert(live) } }), async (cluster) => {
    assert.equal((await send(cluster, srv.port)).body?.client, 'client-a');
    // Replace both files the way a rotation does: write aside, rename into place.
    await copyFile(clientB.key, `${live.key}.new`);
    await copyFile(clientB.cert, `${live.cert}.new`);
    await rename(`${live.key}.new`, live.key);
    await rename(`${live.cert}.new`, live.cert);
    await eventually('requests carry the new client certificate', async () => ((await send(cluster, srv.port)).body?.client === 'client-b' ? true : undefined));
  });
});

test('a missing CA file fails connections with the reason until the file appears', async () => {
  const caPath = join(pki.dir, 'late-ca.crt');
  await rm(caPath, { force: true });
  const srv = await startServer(server);
  await withCluster(srv, tlsCluster(srv.port, { common_tls_context: validation(caPath) }), async (cluster) => {
    const { failure, reason } = failed(await send(cluster, srv.port));
    assert.equal(failure, 'connect-failure');
    assert.equal(reason, `TLS_error: cannot read trusted CA ${caPath}: ENOENT`);
    await copyFile(pki.ca.cert, caPath);
    await eventually('the CA file is picked up', async () => ((await send(cluster, srv.port)).result.ok ? true : undefined));
  });
});

/** A TLS server that answers each chunk upper-cased. */
async function startTlsEcho(cert: IssuedCert): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = tls.createServer({ key: pem(cert.key), cert: pem(cert.cert) }, (s) => {
    s.on('data', (d) => s.write(d.toString().toUpperCase()));
    s.on('error', () => {});
  });
  srv.on('tlsClientError', () => {});
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

/** A listener that hands each connection to the TCP proxy for `config`'s cluster. */
async function tcpProxyTo(config: ClusterConfig): Promise<{ port: number; sessions: TcpSessionSummary[]; close(): Promise<void> }> {
  const clusters = new ClusterManager();
  clusters.apply({ clusters: new Map([[config.name, config]]), endpoints: new Map(), listeners: new Map(), routes: new Map(), versions: { listeners: '', routes: '', clusters: '1', endpoints: '' } });
  const sessions: TcpSessionSummary[] = [];
  const srv = net.createServer((s) => proxyTcp(s, { statPrefix: 'tcp', clusters: [{ name: config.name, weight: 1 }], idleTimeoutMs: 0 }, clusters, (x) => sessions.push(x)));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    sessions,
    close: () => new Promise((r) => {
      clusters.close();
      srv.close(() => r());
    }),
  };
}

test('TCP proxy to a TLS cluster: the bytes go out over verified TLS; a wrong CA closes the client with UF and the reason', async () => {
  const echo = await startTlsEcho(server);
  const good = await tcpProxyTo(tlsCluster(echo.port, { common_tls_context: validation(pki.ca.cert) }));
  const bad = await tcpProxyTo(tlsCluster(echo.port, { common_tls_context: validation(otherPki.ca.cert) }));
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const c = net.connect(good.port, '127.0.0.1', () => c.write('ping'));
      c.once('data', (d) => {
        resolve(d.toString());
        c.end();
      });
      c.on('error', reject);
    });
    assert.equal(answer, 'PING');
    await new Promise<void>((resolve) => {
      const c = net.connect(bad.port, '127.0.0.1', () => c.write('ping'));
      c.on('error', () => {});
      c.on('close', () => resolve());
    });
    const session = await eventually('the failed session is reported', () => bad.sessions[0]);
    assert.equal(session.flag, 'UF');
    assert.match(session.upstreamTransportFailureReason ?? '', /^TLS_error: CERTIFICATE_VERIFY_FAILED: /);
  } finally {
    await good.close();
    await bad.close();
    await echo.close();
  }
});
