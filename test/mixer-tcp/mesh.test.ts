// The Mixer TCP filter through the real manager: MeshConfig names a real `isthmus mixer`, so the
// manager puts the filter before tcp_proxy on the inbound listeners of two TCP workloads (one
// sidecar each, both in front of one TCP echo server). A `list` rule refuses connections from
// 127.0.0.1 to one workload's port (source.ip, destination.port): they are closed before a byte
// goes upstream. The other passes bytes both ways, and stdio sees its Reports — `open`, then
// `close` with the byte totals. With Mixer gone the mesh fails closed, then open once MeshConfig
// says so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { freePorts } from '../helpers/process.js';
import { docs, yaml } from '../mixer/helpers.js';
import { Mesh } from '../proxy/e2e/mesh.js';
import { meshConfig, startMixer, type MixerProcess } from '../proxy/e2e/mixer-mesh.js';
import { reportsFrom, startTcpEcho, tcpTelemetry, TcpClient, type TcpEcho } from './helpers.js';

let mesh: Mesh;
let mixer: MixerProcess;
let echo: TcpEcho;
let logDir: string;
let logFile: string;
let mixerPort: number;
let allowedPort: number;
let deniedPort: number;

/**
 * Refuses 127.0.0.1 on the denied port. The match also reads source.port, so every Check answer
 * references it and no two connections share a cached answer: each new connection asks Mixer.
 */
function policy(): string {
  return docs(
    yaml.handler('localhost', 'list', { overrides: ['127.0.0.1'], entryType: 'IP_ADDRESSES', blacklist: true }),
    yaml.instance('sourceip', 'listentry', { value: 'source.ip' }),
    yaml.rule('deny-local', `context.protocol == "tcp" && (destination.port == ${deniedPort} || source.port == 1)`, [{ handler: 'localhost', instances: ['sourceip'] }]),
    tcpTelemetry(logFile),
  );
}

before(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-tcp-'));
  logFile = join(logDir, 'tcp.jsonl');
  echo = await startTcpEcho();
  [mixerPort, allowedPort, deniedPort] = (await freePorts(3)) as [number, number, number];
  mesh = await Mesh.start({ 'policy.yaml': policy(), 'mesh.yaml': meshConfig(`127.0.0.1:${mixerPort}`) });
  mixer = await startMixer(mesh.dir, mixerPort);
  const allowed = await mesh.sidecar({ service: 'tcp-allowed', labels: { app: 'tcp-allowed' }, portName: 'tcp', appPort: echo.port, inboundPort: allowedPort, outboundPort: 0 });
  const denied = await mesh.sidecar({ service: 'tcp-denied', labels: { app: 'tcp-denied' }, portName: 'tcp', appPort: echo.port, inboundPort: deniedPort, outboundPort: 0 });
  for (const s of [allowed, denied]) await s.waitForConfig('the Mixer TCP filter on the inbound listener', (dump) => dump.includes('isthmus.mixer.v1.TcpClientConfig'));
});

after(async () => {
  await mesh?.close();
  await mixer?.stop();
  await echo?.close();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

test('an allowed connection passes bytes both ways; stdio sees open, then close with the byte totals', async (t) => {
  const client = TcpClient.connect(allowedPort);
  t.after(() => client.destroy());
  const port = await client.localPort;
  assert.equal(await client.roundTrip('hello '), 'hello ');
  assert.equal(await client.roundTrip('mixer tcp'), 'hello mixer tcp');
  await client.end();
  const reports = await eventually('the close report', () => {
    const r = reportsFrom(logFile, port);
    return r.some((l) => l.event === 'close') ? r : undefined;
  });
  assert.deepEqual(reports.map((r) => r.event), ['open', 'close']);
  const close = reports[1]!;
  assert.equal(close.receivedTotal, 15);
  assert.equal(close.sentTotal, 15);
  assert.equal(reports.reduce((n, r) => n + r.received, 0), 15, 'per-report bytes add up to the total');
  assert.equal(close.destinationPort, allowedPort);
  assert.equal(close.protocol, 'tcp');
  assert.equal(close.mtls, false);
  assert.equal(close.code, 0);
  assert.equal(reports[0]!.id, close.id, 'one connection id for the connection\'s reports');
});

test('a list rule on source.ip and destination.port closes the connection before a byte goes upstream', async (t) => {
  const accepted = echo.connections;
  const bytes = echo.bytes;
  const client = TcpClient.connect(deniedPort);
  t.after(() => client.destroy());
  const port = await client.localPort;
  client.socket.write('let me in');
  await client.closed;
  assert.equal(client.bytes, '', 'nothing comes back');
  assert.equal(echo.connections, accepted, 'no upstream connection was opened');
  assert.equal(echo.bytes, bytes);
  const close = await eventually('the refused connection\'s close report', () => reportsFrom(logFile, port).find((l) => l.event === 'close'));
  assert.equal(close.code, 7, 'PERMISSION_DENIED');
  assert.match(close.message, /127\.0\.0\.1.*blacklisted/);
  assert.deepEqual(reportsFrom(logFile, port).map((r) => r.event), ['close'], 'a refused connection never opened');
});

test('with Mixer killed, fail-closed refuses connections and fail-open lets them through', async () => {
  await mixer.stop();
  const accepted = echo.connections;
  const refused = TcpClient.connect(allowedPort);
  try {
    refused.socket.write('anyone there?');
    await refused.closed;
    assert.equal(refused.bytes, '');
    assert.equal(echo.connections, accepted, 'failing closed opens no upstream connection');
  } finally {
    refused.destroy();
  }
  await mesh.write('mesh.yaml', meshConfig(`127.0.0.1:${mixerPort}`, true));
  await eventually('fail-open applies', async () => {
    const c = TcpClient.connect(allowedPort);
    try {
      return (await c.roundTrip('ping')) === 'ping' ? true : undefined;
    } finally {
      c.destroy();
    }
  });
});
