// The data plane keeps serving when its config source fails: a control plane killed mid-traffic
// (and restarted on the same xDS port) costs no request, and a config the proxy cannot run is
// NACKed — visible in `isthmus proxy-status` — while traffic carries on with the last good one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { runCli } from '../../helpers/cli.js';
import { curl, type CurlResult } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { Mesh, type Sidecar } from './mesh.js';
import { ECHO, MAX_TIME, freePorts, serviceEntry, versionSubsets, viaProxy } from './fixtures.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const SHOP = 'shop.example.com';

interface TypeStatus {
  sent: string | null;
  acked: string | null;
  lastNack: { version: string; message: string } | null;
}
interface ProxyStatus {
  id: string;
  types: Record<string, TypeStatus>;
}

function echoRoute(subset: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [${ECHO}]
  http:
  - route: [{destination: {host: ${ECHO}, subset: ${subset}}}]
`;
}

interface GatewayServer {
  port: number;
  protocol: 'HTTP' | 'HTTPS';
}

/** The ingress Gateway; an HTTPS server gets SIMPLE TLS with a credential (a listener transport_socket). */
function gateway(servers: GatewayServer[]): string {
  const lines = servers.map((s) => {
    // ISTIO_MUTUAL needs the mesh identity, which this gateway (no --ca-address) does not have.
    const tls = s.protocol === 'HTTPS' ? ', tls: {mode: ISTIO_MUTUAL}' : '';
    return `  - {port: {number: ${s.port}, name: ${s.protocol.toLowerCase()}-${s.port}, protocol: ${s.protocol}}, hosts: ["${SHOP}"], bind: 127.0.0.1${tls}}`;
  });
  return ['apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: edge, namespace: default}', 'spec:', '  selector: {istio: ingressgateway}', '  servers:', ...lines, ''].join('\n');
}

const SHOP_ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [${SHOP}]
  gateways: [edge]
  http:
  - route: [{destination: {host: ${ECHO}, subset: v1, port: {number: 8080}}}]
`;

let v1: Backend;
let v2: Backend;
let mesh: Mesh;
let client: Sidecar;
let ingress: Sidecar;
let gwPort: number;
let tlsPort: number;
let gwPort2: number;

before(async () => {
  [v1, v2] = await Promise.all([startHttpBackend('v1'), startHttpBackend('v2')]);
  [gwPort, tlsPort, gwPort2] = await freePorts(3);
  mesh = await Mesh.start({
    'echo.yaml': serviceEntry('echo', ECHO, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [
      { port: v1.port, labels: { version: 'v1' } },
      { port: v2.port, labels: { version: 'v2' } },
    ]),
    'echo-dr.yaml': versionSubsets('echo', ECHO, ['v1', 'v2']),
    'echo-vs.yaml': echoRoute('v1'),
    'gateway.yaml': gateway([{ port: gwPort, protocol: 'HTTP' }]),
    'shop-vs.yaml': SHOP_ROUTES,
  });
  [client, ingress] = await Promise.all([
    mesh.sidecar({ service: 'client' }),
    mesh.sidecar({ service: 'ingress', type: 'gateway', labels: { istio: 'ingressgateway' }, outboundPort: 0 }),
  ]);
});

after(async () => {
  await mesh?.close();
  await Promise.all([v1?.close(), v2?.close()]);
});

async function syncz(): Promise<ProxyStatus[]> {
  const res = await fetch(`http://127.0.0.1:${mesh.monitoringPort}/debug/syncz`);
  return (await res.json()) as ProxyStatus[];
}

/** The control plane's view of one proxy (its node id carries the proxy process's pid). */
async function statusOf(proxy: Sidecar): Promise<ProxyStatus | undefined> {
  const pid = proxy.process.child.pid;
  return (await syncz()).find((p) => p.id.includes(`-${pid}.`));
}

function echo(path: string): Promise<CurlResult> {
  return viaProxy(client, `http://${ECHO}:8080${path}`);
}

function shop(port: number, path: string): Promise<CurlResult> {
  return curl([...MAX_TIME, '-H', `Host: ${SHOP}`, `http://127.0.0.1:${port}${path}`]);
}

test('killing the control plane mid-traffic drops no request; after a restart on the same port, config changes apply', async () => {
  const results: { status: number; backend: string | undefined; phase: string }[] = [];
  let phase = 'before';
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const r = await echo(`/loop/${i}`);
      results.push({ status: r.status, backend: r.headers['x-backend'], phase });
    }
  })();
  const inPhase = (p: string) => results.filter((r) => r.phase === p).length;
  try {
    await eventually('traffic flows', () => (inPhase('before') >= 5 ? true : undefined));
    const xdsPort = mesh.xdsPort;
    mesh.controlPlane.child.kill('SIGKILL');
    await mesh.controlPlane.exited;
    phase = 'down';
    await client.process.waitForLine(/stream to 127\.0\.0\.1:\d+ ended/);
    await eventually('traffic flows with the control plane gone', () => (inPhase('down') >= 20 ? true : undefined));

    phase = 'restarting';
    await mesh.startControlPlane(xdsPort);
    assert.equal(mesh.xdsPort, xdsPort, 'the new control plane took the same xDS port');
    await eventually('the proxy reconnected and ACKed', async () => {
      const s = await statusOf(client);
      const lds = s?.types[LDS];
      const cds = s?.types[CDS];
      return lds?.sent && lds.acked === lds.sent && cds?.sent && cds.acked === cds.sent ? true : undefined;
    });
    phase = 'after';
    await eventually('traffic flows after the restart', () => (inPhase('after') >= 5 ? true : undefined));
  } finally {
    running = false;
    await loop;
  }
  const bad = results.filter((r) => r.status !== 200 || r.backend !== 'v1');
  assert.deepEqual(bad, [], `${bad.length} of ${results.length} requests failed or went astray`);

  await mesh.write('echo-vs.yaml', echoRoute('v2'));
  await eventually('the new route applies after the restart', async () => ((await echo('/after-change')).headers['x-backend'] === 'v2' ? true : undefined));
});

test('a listener the proxy cannot run is NACKed; proxy-status shows it and traffic stays on the old config', async () => {
  await eventually('the gateway serves', async () => ((await shop(gwPort, '/ready')).headers['x-backend'] === 'v1' ? true : undefined));
  // A gateway trusts the peer address (use_remote_address) and tells the backend who called.
  const seen = v1.requests.filter((r) => r.path === '/ready').at(-1)!;
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  // After the restart above the gateway may still be reconnecting (its backoff); wait for its ACK.
  const goodLds = await eventually('the gateway ACKed its listeners', async () => {
    const t = (await statusOf(ingress))?.types[LDS];
    return t?.acked && t.acked === t.sent ? t.acked : undefined;
  });

  // The ISTIO_MUTUAL chain's transport_socket names SDS secrets this proxy (no identity) cannot get.
  await mesh.write('gateway.yaml', gateway([{ port: gwPort, protocol: 'HTTP' }, { port: tlsPort, protocol: 'HTTPS' }]));
  const nack = await eventually('the gateway NACKs the listeners', async () => {
    const t = (await statusOf(ingress))?.types[LDS];
    return t?.lastNack && t.lastNack.version === t.sent ? t : undefined;
  });
  assert.match(nack.lastNack!.message, /transport_socket/);
  assert.equal(nack.acked, goodLds, 'the last ACKed listener version stays in force');

  const cli = await runCli(['proxy-status', '--monitoring-address', `127.0.0.1:${mesh.monitoringPort}`]);
  assert.equal(cli.code, 0, cli.stderr);
  const row = cli.stdout.split('\n').find((l) => l.includes(`ingress-${ingress.process.child.pid}.`) && !l.includes('NACK of'));
  assert.ok(row, cli.stdout);
  assert.match(row, /NACKED/);
  assert.match(cli.stdout, /Listener NACK of version \S+ at \S+: .*transport_socket/);

  for (let i = 0; i < 10; i++) {
    const r = await shop(gwPort, `/still/${i}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'v1');
  }
  const dump = JSON.parse(await (await ingress.admin('/config_dump')).text()) as { versions: { listeners: string } };
  assert.equal(dump.versions.listeners, goodLds, 'the proxy still runs the old listeners');
  await assert.rejects(connect(tlsPort), 'the rejected listener was never bound');

  // A good config after the bad one is taken: a second HTTP port instead of the TLS one.
  await mesh.write('gateway.yaml', gateway([{ port: gwPort, protocol: 'HTTP' }, { port: gwPort2, protocol: 'HTTP' }]));
  await eventually('the new listener serves', async () => ((await shop(gwPort2, '/new-port')).headers['x-backend'] === 'v1' ? true : undefined));
  const synced = (await statusOf(ingress))?.types[LDS];
  assert.equal(synced?.acked, synced?.sent, 'LDS is in sync again');
  assert.equal((await shop(gwPort, '/old-port')).status, 200);
});

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}
