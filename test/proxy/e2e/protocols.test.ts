// Protocols other than plain HTTP/1.1 across real sidecar processes: HTTP/2 with prior
// knowledge (to h2c and HTTP/1 backends), gRPC (statuses in trailers, grpc-timeout deadlines)
// both through a server sidecar's inbound listener and a client sidecar's egress listener,
// WebSocket upgrades, and raw TCP. The client sidecar's Sidecar resource declares one bound
// egress listener per protocol, as an app without transparent capture would use them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { startH2cBackend, startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { EchoClient } from '../../helpers/grpc-echo.js';
import { Mesh, type Sidecar } from './mesh.js';
import { MAX_TIME, curlOutput, freePorts, serviceEntry, waitForListener } from './fixtures.js';
import { exchange, handshake, startWebSocketBackend, type WebSocketBackend } from './websocket.js';

const H2C = 'h2c.default.svc.cluster.local';
const H1 = 'h1.default.svc.cluster.local';
const GRPC = 'grpc-echo.default.svc.cluster.local';
const TCP = 'tcp-echo.default.svc.cluster.local';
const WS = 'ws.default.svc.cluster.local';
const GREETER = 'greeter.default.svc.cluster.local';

/** gRPC routes: an injected abort and a route timeout, picked by request metadata. */
const GRPC_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grpc-echo, namespace: default}
spec:
  hosts: [${GRPC}]
  http:
  - match: [{headers: {x-fault: {exact: abort}}}]
    fault: {abort: {grpcStatus: RESOURCE_EXHAUSTED, percentage: {value: 100}}}
    route: [{destination: {host: ${GRPC}}}]
  - match: [{headers: {x-timeout: {exact: short}}}]
    timeout: 200ms
    route: [{destination: {host: ${GRPC}}}]
  - route: [{destination: {host: ${GRPC}}}]
`;

/** What the gRPC server saw of each call. */
interface SeenCall {
  payload: string;
  deadline: number;
  cancelled: boolean;
}

/**
 * A gRPC echo server whose behaviour the payload picks: `fail` answers NOT_FOUND with trailing
 * metadata, `slow…` answers after 5 s (unless cancelled first), anything else echoes.
 */
async function startGrpcServer(name: string): Promise<{ port: number; calls: SeenCall[]; close(): Promise<void> }> {
  const calls: SeenCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = new grpc.Server();
  server.addService(EchoClient.service, {
    Call(call: grpc.ServerUnaryCall<{ payload: string }, unknown>, done: grpc.sendUnaryData<unknown>) {
      const deadline = call.getDeadline();
      const seen: SeenCall = { payload: call.request.payload, deadline: deadline instanceof Date ? deadline.getTime() : Number(deadline), cancelled: false };
      calls.push(seen);
      const reply = { backend: name, payload: call.request.payload };
      if (seen.payload === 'fail') {
        const md = new grpc.Metadata();
        md.set('x-reason', 'not-here');
        done({ code: grpc.status.NOT_FOUND, details: 'no such echo', metadata: md });
      } else if (seen.payload.startsWith('slow')) {
        const timer = setTimeout(() => done(null, reply), 5000);
        timers.add(timer);
        call.on('cancelled', () => {
          seen.cancelled = true;
          clearTimeout(timer);
          timers.delete(timer);
        });
      } else {
        done(null, reply);
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    calls,
    close: () => {
      for (const t of timers) clearTimeout(t);
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

/** A TCP server answering each chunk with `echo: <chunk>`. */
async function startTcpEcho(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { port: 0, connections: 0, close: () => Promise.resolve() };
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.on('data', (d) => s.write(`echo: ${d.toString()}`));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () => new Promise((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  return state;
}

type Reply = { reply?: { backend: string; payload: string }; error?: grpc.ServiceError };

/** One unary call; without a deadline of its own it gets a far one, so a hung proxy fails the test. */
function call(client: grpc.Client, payload: string, deadlineMs?: number, metadata: Record<string, string> = {}): Promise<Reply> {
  const opts: grpc.CallOptions = { deadline: Date.now() + (deadlineMs ?? 20_000) };
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    (client as unknown as {
      Call(req: { payload: string }, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Reply['reply']) => void): void;
    }).Call({ payload }, md, opts, (error, reply) => resolve(error ? { error } : { reply }));
  });
}

let h2c: Backend;
let h1: Backend;
let ws: WebSocketBackend;
let tcpEcho: Awaited<ReturnType<typeof startTcpEcho>>;
let grpcOut: Awaited<ReturnType<typeof startGrpcServer>>;
let grpcIn: Awaited<ReturnType<typeof startGrpcServer>>;
let mesh: Mesh;
let client: Sidecar;
let greeter: Sidecar;
let h2Port: number;
let h1Port: number;
let grpcPort: number;
let tcpPort: number;
const grpcClients: grpc.Client[] = [];

before(async () => {
  [h2c, h1, ws, tcpEcho, grpcOut, grpcIn] = await Promise.all([
    startH2cBackend('h2c'), startHttpBackend('h1'), startWebSocketBackend(), startTcpEcho(), startGrpcServer('grpc-out'), startGrpcServer('greeter'),
  ]);
  [h2Port, h1Port, grpcPort, tcpPort] = await freePorts(4);
  const egress = (port: number, protocol: string, name: string) => `  - {port: {number: ${port}, protocol: ${protocol}, name: ${name}}, bind: 127.0.0.1, hosts: ["./*"]}`;
  mesh = await Mesh.start({
    'h2c.yaml': serviceEntry('h2c', H2C, [{ number: h2Port, name: 'http2', protocol: 'HTTP2' }], [{ port: h2c.port }]),
    'h1.yaml': serviceEntry('h1', H1, [{ number: h1Port, name: 'http', protocol: 'HTTP' }], [{ port: h1.port }]),
    'grpc.yaml': serviceEntry('grpc-echo', GRPC, [{ number: grpcPort, name: 'grpc', protocol: 'GRPC' }], [{ port: grpcOut.port }]),
    'grpc-vs.yaml': GRPC_ROUTES,
    'tcp.yaml': serviceEntry('tcp-echo', TCP, [{ number: tcpPort, name: 'tcp', protocol: 'TCP' }], [{ port: tcpEcho.port }]),
    'ws.yaml': serviceEntry('ws', WS, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [{ port: ws.port }]),
    'client-sidecar.yaml': [
      'apiVersion: networking.istio.io/v1',
      'kind: Sidecar',
      'metadata: {name: client, namespace: default}',
      'spec:',
      '  workloadSelector: {labels: {app: client}}',
      '  egress:',
      egress(h2Port, 'HTTP2', 'http2'),
      egress(h1Port, 'HTTP', 'http'),
      egress(grpcPort, 'GRPC', 'grpc'),
      egress(tcpPort, 'TCP', 'tcp'),
      '  - hosts: ["./*"]',
      '',
    ].join('\n'),
  });
  [client, greeter] = await Promise.all([
    mesh.sidecar({ service: 'client' }),
    mesh.sidecar({ service: 'greeter', appPort: grpcIn.port, portName: 'grpc', outboundPort: 0 }),
  ]);
  for (const port of [h2Port, h1Port, grpcPort, tcpPort]) await waitForListener(client, `127.0.0.1_${port}`);
});

after(async () => {
  for (const c of grpcClients) c.close();
  await mesh?.close();
  await Promise.all([h2c?.close(), h1?.close(), ws?.close(), tcpEcho?.close(), grpcOut?.close(), grpcIn?.close()]);
});

/** curl's negotiated HTTP version and status for one request. */
async function versionAndStatus(args: string[]): Promise<string> {
  return curlOutput(['-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...args]);
}

test('HTTP/2 with prior knowledge reaches an h2c backend over HTTP/2 (HTTP2 port)', async () => {
  const resolve = ['--resolve', `${H2C}:${h2Port}:127.0.0.1`];
  assert.equal(await versionAndStatus(['--http2-prior-knowledge', ...resolve, `http://${H2C}:${h2Port}/h2`]), '2 200');
  const got = h2c.requests.find((r) => r.path === '/h2');
  assert.ok(got, 'the h2c backend (HTTP/2 only) got the request');
  assert.equal(got.headers[':authority'], `${H2C}:${h2Port}`);
  // An HTTP/1.1 client on the same listener is carried upstream as HTTP/2 all the same.
  assert.equal(await versionAndStatus(['--http1.1', ...resolve, `http://${H2C}:${h2Port}/h1-client`]), '1.1 200');
  assert.ok(h2c.requests.some((r) => r.path === '/h1-client'));
});

test('HTTP/2 with prior knowledge to an HTTP/1 backend is carried upstream as HTTP/1.1', async () => {
  const out = await versionAndStatus(['--http2-prior-knowledge', '--resolve', `${H1}:${h1Port}:127.0.0.1`, `http://${H1}:${h1Port}/down`]);
  assert.equal(out, '2 200');
  const got = h1.requests.find((r) => r.path === '/down');
  assert.ok(got);
  assert.equal(got.headers.host, `${H1}:${h1Port}`);
});

test('HTTP/2 with prior knowledge on the HTTP-proxy listener (curl -x)', async () => {
  // curl speaks HTTP/1.1 to an http:// proxy whatever the flag says; the answer must still come.
  const r = await curl([...MAX_TIME, '--http2-prior-knowledge', '-x', `http://127.0.0.1:${client.outboundPort}`, `http://${H1}:${h1Port}/via-proxy`]);
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.headers['x-backend'], 'h1');
});

test('gRPC through a server sidecar inbound listener: replies, statuses in trailers, deadlines', async () => {
  const c = new EchoClient(`127.0.0.1:${greeter.inboundPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': GREETER });
  grpcClients.push(c);
  const ok = await call(c, 'hello');
  assert.deepEqual(ok.reply, { backend: 'greeter', payload: 'hello' }, ok.error?.message);

  const failed = await call(c, 'fail');
  assert.equal(failed.error?.code, grpc.status.NOT_FOUND, failed.error?.message);
  assert.equal(failed.error?.details, 'no such echo');
  assert.deepEqual(failed.error?.metadata.get('x-reason'), ['not-here'], 'trailing metadata crosses the proxy');

  const started = Date.now();
  const slow = await call(c, 'slow', 300);
  assert.equal(slow.error?.code, grpc.status.DEADLINE_EXCEEDED, slow.error?.message);
  const seen = grpcIn.calls.find((x) => x.payload === 'slow');
  assert.ok(seen, 'the server got the slow call');
  // grpc-timeout crossed the proxy: the server knows the deadline (within the 300 ms asked for).
  assert.ok(Number.isFinite(seen.deadline) && seen.deadline <= started + 300 + 50, `server deadline ${seen.deadline - started} ms after the call`);
  await eventually('the server sees the slow call cancelled', () => (seen.cancelled ? true : undefined));

  const after = await call(c, 'again');
  assert.equal(after.reply?.payload, 'again', 'the connection still works');
});

test('gRPC through the client sidecar egress listener (GRPC port → HTTP/2 upstream)', async () => {
  const c = new EchoClient(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': `${GRPC}:${grpcPort}` });
  grpcClients.push(c);
  const ok = await call(c, 'out');
  assert.deepEqual(ok.reply, { backend: 'grpc-out', payload: 'out' }, ok.error?.message);
  const failed = await call(c, 'fail');
  assert.equal(failed.error?.code, grpc.status.NOT_FOUND, failed.error?.message);
  assert.equal(failed.error?.details, 'no such echo');
});

test('gRPC local replies from the proxy: an injected abort status, and a route timeout', async () => {
  const c = new EchoClient(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': `${GRPC}:${grpcPort}` });
  grpcClients.push(c);
  const before = grpcOut.calls.length;
  const aborted = await call(c, 'never', undefined, { 'x-fault': 'abort' });
  assert.equal(aborted.error?.code, grpc.status.RESOURCE_EXHAUSTED, aborted.error?.message);
  assert.equal(grpcOut.calls.length, before, 'the abort never reached the server');

  // The client's deadline is far off: the route's 200 ms timeout ends the call (504, which gRPC
  // reads as UNAVAILABLE).
  const started = Date.now();
  const timedOut = await call(c, 'slow-route', undefined, { 'x-timeout': 'short' });
  const elapsed = Date.now() - started;
  assert.equal(timedOut.error?.code, grpc.status.UNAVAILABLE, timedOut.error?.message);
  assert.ok(elapsed >= 200, `ended after ${elapsed} ms`);
  const seen = grpcOut.calls.find((x) => x.payload === 'slow-route');
  assert.ok(seen);
  await eventually('the server sees the timed-out call cancelled', () => (seen.cancelled ? true : undefined));
});

test('WebSocket upgrade through the HTTP-proxy listener: 101, then frames both ways', async () => {
  const target = `http://${WS}:8080/chat?room=1`;
  const h = await handshake(client.outboundPort, target, `${WS}:8080`);
  try {
    assert.equal(h.status, 101, h.head);
    assert.equal(h.accept, h.expectedAccept, 'Sec-WebSocket-Accept comes from the backend unchanged');
    assert.deepEqual(ws.upgrades.at(-1), { path: '/chat?room=1', host: `${WS}:8080` });
    assert.equal(await exchange(h.socket, h.rest, 'hello'), 'echo: hello');
    assert.equal(await exchange(h.socket, Buffer.alloc(0), 'again'), 'echo: again');
  } finally {
    h.socket.destroy();
  }
});

test('raw TCP through a TCP egress listener (tcp_proxy)', async () => {
  const before = tcpEcho.connections;
  const socket = net.connect({ host: '127.0.0.1', port: tcpPort });
  let got = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (got += d));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write('ping\n');
    await eventually('the first echo', () => (got === 'echo: ping\n' ? true : undefined), { timeoutMs: 10_000 });
    socket.write('pong\n');
    await eventually('the second echo on the same connection', () => (got === 'echo: ping\necho: pong\n' ? true : undefined), { timeoutMs: 10_000 });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.end();
    await closed;
  } finally {
    socket.destroy();
  }
  assert.equal(tcpEcho.connections, before + 1, 'one upstream connection for one downstream connection');
});
