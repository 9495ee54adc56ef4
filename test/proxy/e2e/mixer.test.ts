// Mixer through real proxies: the real manager puts the Mixer filter on the echo sidecar's
// inbound listener because MeshConfig names a real `isthmus mixer`; clients call through their
// own sidecars, whose metadata exchange tells the echo sidecar their labels (source.labels).
// A list rule denies by source.labels["app"], a memquota rule allows exactly N per window, the
// prometheus and stdio adapters see every request's Report, and with Mixer gone the mesh fails
// closed, then open once MeshConfig says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { eventually } from '../../helpers/eventually.js';
import { freePorts } from '../../helpers/process.js';
import { docs, yaml } from '../../mixer/helpers.js';
import { ECHO, viaProxy } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';
import { meshConfig, startMixer, type MixerProcess } from './mixer-mesh.js';

const QUOTA = 5;

let mesh: Mesh;
let app: Backend;
let mixer: MixerProcess;
let echo: Sidecar;
let good: Sidecar;
let bad: Sidecar;
let logDir: string;
let url: string;

function policy(logFile: string): string {
  return docs(
    yaml.handler('badapps', 'list', { overrides: ['bad'], blacklist: true }),
    yaml.instance('appname', 'listentry', { value: 'source.labels["app"] | "unknown"' }),
    yaml.rule('deny-bad', 'destination.service.host == "echo.default.svc.cluster.local"', [{ handler: 'badapps', instances: ['appname'] }]),
    yaml.handler('quotahandler', 'memquota', { quotas: [{ name: 'requestcount', maxAmount: QUOTA, validDuration: '10m' }] }),
    yaml.instance('requestcount', 'quota', { dimensions: {} }),
    yaml.rule('limit', 'request.path.startsWith("/limited")', [{ handler: 'quotahandler', instances: ['requestcount'] }]),
    yaml.handler('prom', 'prometheus', { metrics: [{ name: 'mesh_requests_total', instance_name: 'requestcount-metric', kind: 'COUNTER', label_names: ['source_app', 'destination_service', 'response_code'] }] }),
    yaml.instance('requestcount-metric', 'metric', { value: '1', dimensions: { source_app: 'source.labels["app"] | "unknown"', destination_service: 'destination.service.host | "unknown"', response_code: 'response.code | 0' } }),
    yaml.handler('log', 'stdio', { logStream: 'FILE', outputPath: logFile }),
    yaml.instance('accesslog', 'logentry', { severity: '"info"', variables: { path: 'request.path | ""', code: 'response.code | 0', source: 'source.labels["app"] | "unknown"' } }),
    yaml.rule('telemetry', undefined, [{ handler: 'prom', instances: ['requestcount-metric'] }, { handler: 'log', instances: ['accesslog'] }]),
  );
}

before(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-e2e-'));
  app = await startHttpBackend('echo');
  const [mixerPort, echoPort] = (await freePorts(2)) as [number, number];
  mesh = await Mesh.start({ 'policy.yaml': policy(join(logDir, 'access.jsonl')), 'mesh.yaml': meshConfig(`127.0.0.1:${mixerPort}`) });
  mixer = await startMixer(mesh.dir, mixerPort);
  echo = await mesh.sidecar({ service: 'echo', labels: { app: 'echo' }, appPort: app.port, inboundPort: echoPort, outboundPort: 0 });
  good = await mesh.sidecar({ service: 'good', labels: { app: 'good' } });
  bad = await mesh.sidecar({ service: 'bad', labels: { app: 'bad' } });
  await echo.waitForConfig('the Mixer filter on the inbound listener', (dump) => dump.includes('isthmus.mixer.v1.HttpClientConfig'));
  url = `http://${ECHO}:${echoPort}`;
  await eventually('the clients route to echo', async () => ((await viaProxy(good, `${url}/hello`)).status === 200 ? true : undefined));
});

after(async () => {
  await mesh?.close();
  await mixer?.stop();
  await app?.close();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

test('a list rule on source.labels["app"] denies the bad caller with 403 and the rule\'s message', async () => {
  const seen = app.requests.length;
  const r = await viaProxy(bad, `${url}/hello`);
  assert.equal(r.status, 403, r.body);
  assert.equal(r.body, 'PERMISSION_DENIED:badapps.default: "bad" is blacklisted');
  assert.equal(app.requests.length, seen, 'a denied request never reaches the app');
  assert.equal((await viaProxy(good, `${url}/hello`)).status, 200);
});

test('a memquota rule allows exactly N requests per window, then 429', async () => {
  const codes: number[] = [];
  for (let i = 0; i < QUOTA + 4; i++) codes.push((await viaProxy(good, `${url}/limited/${i}`)).status);
  assert.deepEqual(codes, [...Array(QUOTA).fill(200), ...Array(4).fill(429)]);
  const r = await viaProxy(good, `${url}/limited/again`);
  assert.match(r.body, /^RESOURCE_EXHAUSTED:/);
  assert.equal((await viaProxy(good, `${url}/unlimited`)).status, 200, 'paths the rule does not match are not limited');
});

test('prometheus exposes the configured metric with the right labels, and stdio writes one JSON line per request', async () => {
  const path = `/telemetry-${Date.now()}`;
  for (let i = 0; i < 3; i++) assert.equal((await viaProxy(good, `${url}${path}`)).status, 200);
  const metric = await eventually('the metric on Mixer\'s /metrics', async () => {
    const text = await (await fetch(`${mixer.monitoring}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('istio_mesh_requests_total{') && l.includes('source_app="good"') && l.includes('response_code="200"'));
    return line && Number(line.split(' ').pop()) >= 3 ? line : undefined;
  });
  assert.match(metric, /destination_service="echo\.default\.svc\.cluster\.local"/);
  const file = join(logDir, 'access.jsonl');
  const lines = await eventually('three log lines for the path', () => {
    if (!existsSync(file)) return undefined;
    const mine = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(path));
    return mine.length >= 3 ? mine : undefined;
  });
  assert.equal(lines.length, 3);
  for (const l of lines) {
    const entry = JSON.parse(l) as Record<string, unknown>;
    assert.equal(entry.path, path);
    assert.equal(entry.code, 200);
    assert.equal(entry.source, 'good');
  }
});

test('with Mixer killed, fail-closed refuses requests and fail-open lets them through', async () => {
  await mixer.stop();
  // A path no earlier request used: its decision cannot come from the cache (the quota rule reads request.path).
  const closed = await viaProxy(good, `${url}/after-mixer-died`);
  assert.equal(closed.status, 503, closed.body);
  assert.match(closed.body, /^UNAVAILABLE:/);
  await mesh.write('mesh.yaml', meshConfig(`127.0.0.1:${/:(\d+)$/.exec(mixer.address)![1]}`, true));
  await eventually('fail-open applies', async () => ((await viaProxy(good, `${url}/fail-open-${Date.now()}`)).status === 200 ? true : undefined));
});
