// `isthmus control-plane` as a real process: it says `ready`, serves xDS and its monitoring
// port, `isthmus proxy-status` reads who is connected, and SIGTERM stops it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TYPE_URL } from '../../src/control/xds/index.js';
import { node, TestStream, type SotwResponse } from '../control/xds/harness.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { repoPath } from '../helpers/paths.js';

const SERVICE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, labels: {app: reviews, version: v1}}]
`;

test('control-plane serves xDS and its monitoring endpoints; proxy-status shows a synced proxy', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-cp-'));
  await writeFile(join(dir, 'reviews.yaml'), SERVICE);
  const child = spawn(process.execPath, [repoPath('bin/isthmus.js'), 'control-plane', '--config-dir', dir, '--xds-port', '0', '--monitoring-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stream: TestStream<SotwResponse> | undefined;
  try {
    const lines = createInterface({ input: child.stdout });
    let xdsPort = 0;
    let monitoring = '';
    for await (const line of lines) {
      const m = /^xds [\d.]+:(\d+) monitoring http:\/\/([\d.]+:\d+)$/.exec(line);
      if (m) {
        xdsPort = Number(m[1]);
        monitoring = m[2] as string;
      }
      if (line === 'ready') break;
    }
    assert.ok(xdsPort > 0 && monitoring, 'ports are printed before ready');

    const metrics = await (await fetch(`http://${monitoring}/metrics`)).text();
    assert.match(metrics, /^isthmus_xds_connected_proxies 0$/m);
    const configz = (await (await fetch(`http://${monitoring}/debug/configz`)).json()) as { resources: { kind: string }[] };
    assert.deepEqual(configz.resources.map((r) => r.kind), ['ServiceEntry']);
    assert.equal((await fetch(`http://${monitoring}/nope`)).status, 404);

    const empty = await runCli(['proxy-status', '--monitoring-address', monitoring]);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /No proxies are connected/);

    stream = new TestStream<SotwResponse>(xdsPort, 'sotw');
    stream.send({ node: node('sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local'), type_url: TYPE_URL.CLUSTER, resource_names: [] });
    const clusters = await stream.next('clusters');
    assert.ok(clusters.resources.length > 0);
    stream.send({ type_url: TYPE_URL.CLUSTER, version_info: clusters.version_info, response_nonce: clusters.nonce, resource_names: [] });

    const status = await eventually('proxy-status shows CDS synced', async () => {
      const r = await runCli(['proxy-status', '--monitoring-address', monitoring]);
      return /productpage-v1\.default.*\s+sidecar\s+SYNCED\s+NOT SENT/.test(r.stdout) ? r : undefined;
    });
    assert.match(status.stdout, /^NAME\s+TYPE\s+CDS\s+LDS\s+EDS\s+RDS\s+XDS$/m);
    const json = JSON.parse((await runCli(['proxy-status', '--monitoring-address', monitoring, '-o', 'json'])).stdout) as { id: string }[];
    assert.equal(json[0]?.id, 'sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local');
    assert.match(await (await fetch(`http://${monitoring}/metrics`)).text(), /^isthmus_xds_connected_proxies 1$/m);
  } finally {
    stream?.client.close();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}-ca`, { recursive: true, force: true });
    assert.equal(code, 0, 'SIGTERM stops the control plane cleanly');
  }
});

test('proxy-status explains when no control plane answers', async () => {
  const r = await runCli(['proxy-status', '--monitoring-address', '127.0.0.1:1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is the control plane running\?/);
});
