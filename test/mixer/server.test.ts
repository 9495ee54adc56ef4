// Mixer through its real gRPC server and a real gRPC client, configured from a real config store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadText } from '../../src/api/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { CODE, Duration, MixerRuntime, startMixerMonitoring, startMixerServer } from '../../src/mixer/index.js';
import { eventually } from '../helpers/eventually.js';
import { docs, mixerClient, yaml } from './helpers.js';

async function startMixer(t: import('node:test').TestContext, config: string, now?: () => number) {
  const loaded = loadText(config, 'mixer.yaml');
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
  const store = new MemoryStore();
  for (const r of loaded.resources) await store.apply(r.resource);
  const logs: string[] = [];
  const runtime = new MixerRuntime({ log: (l) => logs.push(l), now });
  await runtime.watch(store, 5);
  const server = await startMixerServer(runtime, '127.0.0.1', 0);
  const monitoring = await startMixerMonitoring(runtime, '127.0.0.1', 0);
  const client = mixerClient(`127.0.0.1:${server.port}`);
  t.after(async () => {
    client.close();
    await server.close();
    await monitoring.close();
    await runtime.close();
    await store.close();
  });
  return { store, runtime, client, logs, monitoringPort: monitoring.port };
}

test('a list rule on source.labels["app"] denies with PERMISSION_DENIED and its message', async (t) => {
  const { client, runtime } = await startMixer(t, docs(
    yaml.handler('denylist', 'list', { overrides: ['sleep', 'curl'], blacklist: true }),
    yaml.instance('appname', 'listentry', { value: 'source.labels["app"] | "unknown"' }),
    yaml.rule('deny-apps', 'destination.service.host == "reviews.default.svc.cluster.local"', [{ handler: 'denylist', instances: ['appname'] }]),
  ));
  assert.deepEqual(runtime.problems(), []);
  const denied = await client.check({ 'source.labels': { app: 'sleep' }, 'destination.service.host': 'reviews.default.svc.cluster.local', 'request.path': '/x' });
  assert.equal(denied.status.code, CODE.PERMISSION_DENIED);
  assert.equal(denied.status.message, 'denylist.default: "sleep" is blacklisted');
  assert.deepEqual(denied.referencedAttributes, [
    { name: 'destination.service.host', condition: 'EXACT' },
    { name: 'source.labels', mapKey: 'app', condition: 'EXACT' },
  ]);
  const allowed = await client.check({ 'source.labels': { app: 'productpage' }, 'destination.service.host': 'reviews.default.svc.cluster.local' });
  assert.equal(allowed.status.code, CODE.OK);
  const other = await client.check({ 'source.labels': { app: 'sleep' }, 'destination.service.host': 'ratings.default.svc.cluster.local' });
  assert.equal(other.status.code, CODE.OK);
});

test('referencedAttributes name only source.principal when the rule reads only that', async (t) => {
  const { client } = await startMixer(t, docs(
    yaml.handler('deny', 'denier', { status: { code: 7, message: 'not you' }, validDuration: '30s', validUseCount: 100 }),
    yaml.instance('nothing', 'checknothing', {}),
    yaml.rule('deny-bob', 'source.principal == "spiffe://cluster.local/ns/default/sa/bob"', [{ handler: 'deny', instances: ['nothing'] }]),
  ));
  const r = await client.check({ 'source.principal': 'spiffe://cluster.local/ns/default/sa/alice', 'request.path': '/a', 'request.headers': { a: 'b' } });
  assert.equal(r.status.code, CODE.OK);
  assert.deepEqual(r.referencedAttributes, [{ name: 'source.principal', condition: 'EXACT' }]);
  const d = await client.check({ 'source.principal': 'spiffe://cluster.local/ns/default/sa/bob', 'request.path': '/b' });
  assert.equal(d.status.code, CODE.PERMISSION_DENIED);
  assert.equal(d.status.message, 'not you');
  assert.equal(d.validDurationMs, 30_000);
  assert.equal(d.validUseCount, 100);
  assert.deepEqual(d.referencedAttributes, [{ name: 'source.principal', condition: 'EXACT' }]);
  const absent = await client.check({ 'request.path': '/c' });
  assert.equal(absent.status.code, CODE.OK);
  assert.deepEqual(absent.referencedAttributes, [{ name: 'source.principal', condition: 'ABSENCE' }]);
});

test('memquota grants exactly N per fixed window, then RESOURCE_EXHAUSTED; dedup ids are not charged twice', async (t) => {
  let now = 1_000_000;
  const { client } = await startMixer(t, docs(
    yaml.handler('quotas', 'memquota', { quotas: [{ name: 'requestcount.instance.default', maxAmount: 5, validDuration: '10s', overrides: [{ dimensions: { destination: 'ratings' }, maxAmount: 1 }] }] }),
    yaml.instance('requestcount', 'quota', { dimensions: { destination: 'destination.service.name | "unknown"' } }),
    yaml.rule('quota-all', undefined, [{ handler: 'quotas', instances: ['requestcount'] }]),
  ), () => now);
  const ask = (dest: string, dedup = '') => client.check({ 'destination.service.name': dest }, { requestcount: { amount: 1 } }, dedup);
  const first = await ask('reviews', 'req-1');
  assert.equal(first.quotas.requestcount?.grantedAmount, 1);
  assert.equal((await ask('reviews', 'req-1')).quotas.requestcount?.grantedAmount, 1, 'a retry with the same dedup id');
  const granted = [];
  for (let i = 0; i < 6; i++) granted.push((await ask('reviews')).quotas.requestcount!);
  assert.deepEqual(granted.map((g) => g.grantedAmount), [1, 1, 1, 1, 0, 0]);
  assert.equal(granted[4]!.status.code, CODE.RESOURCE_EXHAUSTED);
  assert.equal((await ask('ratings')).quotas.requestcount?.grantedAmount, 1);
  assert.equal((await ask('ratings')).quotas.requestcount?.grantedAmount, 0, 'the override allows 1');
  now += 10_000;
  assert.equal((await ask('reviews')).quotas.requestcount?.grantedAmount, 1, 'a new window');
});

test('prometheus exposes the metric with its labels after Reports; stdio writes one JSON line per entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  const { client, monitoringPort, store } = await startMixer(t, docs(
    yaml.handler('prom', 'prometheus', { metrics: [
      { name: 'requests_total', instance_name: 'requestcount.instance.default', kind: 'COUNTER', label_names: ['source_app', 'response_code'] },
      { name: 'request_duration_seconds', instance_name: 'requestduration', kind: 'DISTRIBUTION', label_names: ['source_app'], buckets: { explicit_buckets: { bounds: [0.1, 1] } } },
    ] }),
    yaml.instance('requestcount', 'metric', { value: '1', dimensions: { source_app: 'source.labels["app"] | "unknown"', response_code: 'response.code | 200' } }),
    yaml.instance('requestduration', 'metric', { value: 'response.duration | 0ms', dimensions: { source_app: 'source.labels["app"] | "unknown"' } }),
    yaml.handler('logs', 'stdio', { logStream: 'FILE', outputPath: log }),
    yaml.instance('accesslog', 'logentry', { severity: '"info"', variables: { path: 'request.path | ""', code: 'response.code | 0', mtls: 'connection.mtls | false' } }),
    yaml.rule('telemetry', undefined, [{ handler: 'prom', instances: ['requestcount', 'requestduration'] }, { handler: 'logs', instances: ['accesslog'] }]),
  ));
  await client.report([
    { 'source.labels': { app: 'productpage' }, 'response.code': 200, 'response.duration': new Duration(50), 'request.path': '/a' },
    { 'source.labels': { app: 'productpage' }, 'response.code': 503, 'response.duration': new Duration(500), 'request.path': '/b', 'connection.mtls': true },
    { 'response.code': 200, 'request.path': '/c' },
  ]);
  const metrics = await (await fetch(`http://127.0.0.1:${monitoringPort}/metrics`)).text();
  assert.match(metrics, /istio_requests_total\{source_app="productpage",response_code="200"\} 1/);
  assert.match(metrics, /istio_requests_total\{source_app="productpage",response_code="503"\} 1/);
  assert.match(metrics, /istio_requests_total\{source_app="unknown",response_code="200"\} 1/);
  assert.match(metrics, /istio_request_duration_seconds_bucket\{le="0.1",source_app="productpage"\} 1/);
  assert.match(metrics, /istio_request_duration_seconds_count\{source_app="productpage"\} 2/);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => [l.path, l.code, l.mtls, l.level, l.instance]), [['/a', 200, false, 'info', 'accesslog.default'], ['/b', 503, true, 'info', 'accesslog.default'], ['/c', 200, false, 'info', 'accesslog.default']]);
  // A config change that leaves the prometheus handler alone keeps its counters.
  await store.apply(loadText(yaml.instance('accesslog', 'logentry', { severity: '"warning"', variables: { path: 'request.path | ""' } }), 'x.yaml').resources[0]!.resource);
  await eventually('the new instance applies', async () => {
    await client.report([{ 'request.path': '/d' }]);
    const last = readFileSync(log, 'utf8').trim().split('\n').pop()!;
    return (JSON.parse(last) as { level: string }).level === 'warning' ? true : undefined;
  });
  assert.match(await (await fetch(`http://127.0.0.1:${monitoringPort}/metrics`)).text(), /istio_requests_total\{source_app="productpage",response_code="200"\} 1/);
});

test('a rule naming a missing handler is reported and left out; the other rules keep working', async (t) => {
  const { client, runtime } = await startMixer(t, docs(
    yaml.handler('deny', 'denier', {}),
    yaml.instance('nothing', 'checknothing', {}),
    yaml.rule('broken', undefined, [{ handler: 'denny', instances: ['nothing'] }]),
    yaml.rule('works', 'request.path == "/admin"', [{ handler: 'deny', instances: ['nothing'] }]),
  ));
  assert.equal(runtime.problems().length, 1);
  assert.match(runtime.problems()[0]!, /rule default\/broken: spec.actions\[0\].handler: no handler "denny" in namespace default/);
  assert.equal((await client.check({ 'request.path': '/admin' })).status.code, CODE.PERMISSION_DENIED);
  assert.equal((await client.check({ 'request.path': '/' })).status.code, CODE.OK);
});
