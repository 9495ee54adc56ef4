// Operating a proxy: the admin port's views, readiness, Istio's metrics on the stats port, the
// access log, and a graceful drain on SIGTERM (in-flight requests finish, then the process exits).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { freePorts } from '../../helpers/process.js';
import { serviceEntry } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';

const HOST = 'echo.default.svc.cluster.local';

describe('proxy operations', () => {
  let mesh: Mesh;
  let backend: Backend;
  let sidecar: Sidecar;
  let logDir: string;
  let statsPort: number;
  let readinessPort: number;
  const via = (path: string) => curl(['--max-time', '20', '-x', `http://127.0.0.1:${sidecar.outboundPort}`, `http://${HOST}:8080${path}`]);

  before(async () => {
    backend = await startHttpBackend('echo');
    logDir = await mkdtemp(join(tmpdir(), 'isthmus-ops-'));
    mesh = await Mesh.start({ 'echo.yaml': serviceEntry('echo', HOST, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [{ port: backend.port }]) });
    [statsPort, readinessPort] = (await freePorts(2)) as [number, number];
    sidecar = await mesh.sidecar({
      service: 'client',
      labels: { version: 'v7' },
      extraArgs: ['--stats-port', String(statsPort), '--readiness-port', String(readinessPort), '--access-log', join(logDir, 'access.log'), '--access-log-format', 'json'],
    });
  });
  after(async () => {
    await mesh?.close();
    await backend?.close();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('reports ready on the admin and readiness ports', async () => {
    assert.equal(await (await sidecar.admin('/ready')).text(), 'LIVE\n');
    const r = await fetch(`http://127.0.0.1:${readinessPort}/healthz/ready`);
    assert.equal(r.status, 200);
  });

  it('shows its config, listeners and clusters', async () => {
    const dump = JSON.parse(await (await sidecar.admin('/config_dump')).text()) as { versions: Record<string, string>; clusters: { name: string }[] };
    assert.ok(dump.versions.clusters !== '' && dump.versions.listeners !== '', 'versions of the applied config');
    assert.ok(dump.clusters.some((c) => c.name === `outbound|8080||${HOST}`));
    const listeners = JSON.parse(await (await sidecar.admin('/listeners')).text()) as { name: string; state: string }[];
    assert.ok(listeners.some((l) => l.name === `127.0.0.1_${sidecar.outboundPort}` && l.state === 'active'));
    const clusters = await (await sidecar.admin('/clusters')).text();
    assert.match(clusters, new RegExp(`outbound\\|8080\\|\\|${HOST.replace(/\./g, '\\.')}::127\\.0\\.0\\.1:${backend.port}::health_flags::healthy`));
    assert.equal((await sidecar.admin('/nope')).status, 404);
  });

  it('counts requests in istio_requests_total with Istio labels, and logs them as JSON', async () => {
    assert.equal((await via('/counted')).status, 200);
    assert.equal((await via('/counted?status=503')).status, 503);
    const text = await eventually('metrics for both requests', async () => {
      const t = await (await fetch(`http://127.0.0.1:${statsPort}/stats/prometheus`)).text();
      return /istio_requests_total\{[^}]*response_code="503"[^}]*\} 1/.test(t) ? t : undefined;
    });
    const ok = /istio_requests_total\{([^}]*)response_code="200"([^}]*)\} (\d+)/.exec(text);
    assert.ok(ok, 'a 200 series exists');
    const labels = ok[1]! + ok[2]!;
    assert.match(labels, /reporter="source"/);
    assert.match(labels, /source_app="client"/);
    assert.match(labels, /source_version="v7"/);
    assert.match(labels, new RegExp(`destination_service="${HOST.replace(/\./g, '\\.')}"`));
    assert.match(text, /istio_request_duration_milliseconds_bucket\{/);
    const lines = await eventually('access log lines', async () => {
      const raw = await readFile(join(logDir, 'access.log'), 'utf8').catch(() => '');
      const parsed = raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      return parsed.some((l) => l.path === '/counted?status=503') ? parsed : undefined;
    });
    const failed = lines.find((l) => l.path === '/counted?status=503')!;
    assert.equal(failed.response_code, 503);
    assert.equal(failed.upstream_cluster, `outbound|8080||${HOST}`);
    // Istio's default retry policy retries a 503 twice (retriable-status-codes): when the last try
    // fails too, Envoy flags the response URX.
    assert.equal(failed.response_flags, 'URX');
    assert.equal(backend.requests.filter((r) => r.path === '/counted?status=503').length, 3);
    assert.equal(lines.find((l) => l.path === '/counted')!.response_flags, '-');
  });

  it('drains on SIGTERM: the request in flight finishes, then the process exits 0', async () => {
    const drained = await mesh.sidecar({ service: 'drainer' });
    // A request the backend answers after 1.5 s, started before the signal.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: drained.outboundPort, path: `http://${HOST}:8080/slow?delay=1500`, headers: { host: `${HOST}:8080` } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    await eventually('the slow request reached the backend', () => (backend.requests.some((r) => r.path.includes('/slow')) ? true : undefined));
    drained.process.child.kill('SIGTERM');
    // New connections are refused once the listeners stop accepting.
    await eventually('listener closed to new connections', async () => {
      const r = await curl(['--max-time', '5', '-x', `http://127.0.0.1:${drained.outboundPort}`, `http://${HOST}:8080/late`]);
      return r.status === 0 ? true : undefined;
    });
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.match(answer.body, /\/slow/);
    assert.equal(await drained.process.exited, 0);
  });
});
