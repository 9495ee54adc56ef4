// Plaintext HTTP/1.1 tries through a cluster's undici pools (sendAttempt → http1-dispatch.ts)
// against real servers on loopback: what the upstream receives, what the router gets back
// (end-to-end headers merged as Node merges them, trailers, a streamed body), each failure kind
// (connect failure, reset, per-try timeout), giving up on a response, and the pool's keep-alive,
// connection limit and retirement of endpoints that left.
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { sendAttempt, type AttemptRequest, type AttemptResult, type UpstreamResponse } from '../../../src/proxy/upstream/attempt.js';
import { headersFromRaw } from '../../../src/proxy/upstream/http1-dispatch.js';
import { ClusterPool } from '../../../src/proxy/upstream/pool.js';
import { eventually } from '../../helpers/eventually.js';

const LIMITS = { maxConnections: 1024, connectTimeoutMs: 5000 };

function request(over: Partial<AttemptRequest> = {}): AttemptRequest {
  return { method: 'GET', path: '/', authority: 'backend.example.com', scheme: 'http', headers: {}, body: undefined, ...over };
}

function send(pool: ClusterPool, port: number, req: AttemptRequest, perTryTimeoutMs = 0): Promise<AttemptResult> {
  return sendAttempt(req, { pool, protocol: 'http1', host: '127.0.0.1', port, perTryTimeoutMs });
}

function ok(result: AttemptResult): UpstreamResponse {
  assert.ok(result.ok, result.ok ? '' : `${result.failure}: ${result.message}`);
  return result.response;
}

async function readAll(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A raw TCP upstream: `onRequest` gets each connection once a request head has arrived. */
async function rawServer(onRequest: (socket: net.Socket, head: string) => void): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = buf.slice(0, end);
        buf = '';
        onRequest(socket, head);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function httpServer(handler: http.RequestListener): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = http.createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('headersFromRaw merges repeats as Node does: set-cookie a list, first-only names keep the first, others joined', () => {
  const raw = ['Set-Cookie', 'a=1', 'X-Multi', '1', 'set-cookie', 'b=2', 'x-multi', '2', 'Content-Type', 'text/plain', 'content-type', 'text/html', 'Cookie', 'c=1', 'cookie', 'd=2'];
  assert.deepEqual(headersFromRaw(raw.map((s) => Buffer.from(s, 'latin1'))), {
    'set-cookie': ['a=1', 'b=2'],
    'x-multi': '1, 2',
    'content-type': 'text/plain',
    cookie: 'c=1; d=2',
  });
  // Bytes outside ASCII come through as latin1, so writing them on downstream gives the same bytes.
  assert.equal(Buffer.from(headersFromRaw([Buffer.from('x-utf8'), Buffer.from('é')])['x-utf8'] as string, 'latin1').toString(), 'é');
});

test('the upstream gets the authority as Host and no Expect; the router gets end-to-end headers, the streamed body and trailers', async (t) => {
  let seenHead = '';
  const server = await rawServer((socket, head) => {
    seenHead = head;
    socket.write(
      'HTTP/1.1 200 OK\r\nConnection: keep-alive, x-hop\r\nX-Hop: gone\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
        'X-Multi: 1\r\nX-Multi: 2\r\nTransfer-Encoding: chunked\r\nTrailer: grpc-status\r\n\r\n5\r\nhello\r\n0\r\ngrpc-status: 0\r\n\r\n',
    );
  });
  const pool = new ClusterPool(LIMITS);
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const response = ok(await send(pool, server.port, request({ path: '/a?b=c', headers: { 'x-request-id': 'r1', expect: '100-continue', te: 'trailers' } })));
  assert.equal(response.head.status, 200);
  assert.deepEqual(response.head.headers, { 'set-cookie': ['a=1', 'b=2'], 'x-multi': '1, 2' });
  assert.equal(await readAll(response.body), 'hello');
  assert.deepEqual(response.trailers(), { 'grpc-status': '0' });
  const lines = seenHead.toLowerCase().split('\r\n');
  assert.equal(lines[0], 'get /a?b=c http/1.1');
  assert.ok(lines.includes('host: backend.example.com'), seenHead);
  assert.ok(lines.includes('x-request-id: r1'), seenHead);
  assert.ok(lines.includes('te: trailers'), seenHead);
  assert.ok(!lines.some((l) => l.startsWith('expect:')), seenHead);
});

test('request bodies: a buffer and a live stream both reach the upstream whole', async (t) => {
  const received: { method: string; body: string }[] = [];
  const server = await httpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', body: Buffer.concat(chunks).toString() });
      res.end('ok');
    });
  });
  const pool = new ClusterPool(LIMITS);
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const buffered = ok(await send(pool, server.port, request({ method: 'POST', headers: { 'content-length': '5' }, body: Buffer.from('hello') })));
  assert.equal(await readAll(buffered.body), 'ok');
  const live = new PassThrough();
  const pending = send(pool, server.port, request({ method: 'PUT', body: live }));
  live.write('stre');
  setImmediate(() => live.end('amed'));
  assert.equal(await readAll(ok(await pending).body), 'ok');
  assert.deepEqual(received, [
    { method: 'POST', body: 'hello' },
    { method: 'PUT', body: 'streamed' },
  ]);
});

test('connect failure: nothing listens on the endpoint', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const pool = new ClusterPool(LIMITS);
  t.after(() => pool.close());
  const result = await send(pool, port, request());
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.failure, 'connect-failure');
});

test('reset: the upstream drops the connection after taking the request; a live request body is left intact', async (t) => {
  const server = await rawServer((socket) => socket.destroy());
  const pool = new ClusterPool(LIMITS);
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const result = await send(pool, server.port, request());
  assert.equal(!result.ok && result.failure, 'reset', JSON.stringify(result));
  // The downstream request must survive an upstream failure: the local reply still goes out on its connection.
  const downstream = new PassThrough();
  downstream.write('part');
  const streamed = await send(pool, server.port, request({ method: 'POST', body: downstream }));
  assert.equal(streamed.ok, false);
  assert.equal(downstream.destroyed, false);
  downstream.destroy();
});

test('per-try timeout: an upstream that never answers; the connection that carried the try is closed', async (t) => {
  let carried: net.Socket | undefined;
  const server = await rawServer((socket) => (carried = socket));
  const pool = new ClusterPool(LIMITS);
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const result = await send(pool, server.port, request(), 100);
  assert.equal(!result.ok && result.failure, 'timeout');
  assert.ok(carried, 'the request reached the upstream');
  await eventually('the connection that carried the try is closed', () => (carried!.destroyed ? true : undefined));
});

test('giving up on a response mid-body closes the body stream and the upstream connection; an upstream reset mid-body is a body error', async (t) => {
  const carried: net.Socket[] = [];
  const server = await rawServer((socket, head) => {
    carried.push(socket);
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst');
    if (head.includes('/reset')) setImmediate(() => socket.destroy());
  });
  const pool = new ClusterPool(LIMITS);
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const held = ok(await send(pool, server.port, request({ path: '/held' })));
  const closed = new Promise((r) => held.body.once('close', r));
  const [first] = (await once(held.body, 'data')) as [Buffer];
  assert.equal(first.toString(), 'first');
  held.abort();
  await closed;
  await eventually('the connection that carried the response is closed', () => (carried[0]!.destroyed ? true : undefined));

  const cut = ok(await send(pool, server.port, request({ path: '/reset' })));
  await assert.rejects(readAll(cut.body));
});

test('keep-alive and max_connections: one connection serves requests in turn; retainHosts closes the pool of an endpoint that left', async (t) => {
  const server = await httpServer((_req, res) => setTimeout(() => res.end('ok'), 5));
  const pool = new ClusterPool({ maxConnections: 1, connectTimeoutMs: 5000 });
  t.after(async () => {
    pool.close();
    await server.close();
  });
  const results = await Promise.all([1, 2, 3, 4].map(() => send(pool, server.port, request())));
  for (const r of results) assert.equal(await readAll(ok(r).body), 'ok');
  assert.equal(await readAll(ok(await send(pool, server.port, request())).body), 'ok');
  assert.equal(server.connections(), 1, 'every request went over the one allowed connection');
  assert.equal(pool.connectionCount(), 1);
  pool.retainHosts(new Set(['127.0.0.1:1']));
  await eventually('the pool of the endpoint that left is closed', () => (pool.connectionCount() === 0 ? true : undefined));
  // A later request to it makes a new pool.
  assert.equal(await readAll(ok(await send(pool, server.port, request())).body), 'ok');
  assert.equal(server.connections(), 2);
});
