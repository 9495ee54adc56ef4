// Real @grpc/grpc-js-xds clients steered by the manager's xDS: every behaviour here is the
// client library acting on what our control plane sent, against real gRPC backends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { eventually } from '../../helpers/eventually.js';
import { callOnce } from '../../helpers/grpc-echo.js';
import { newClient, served, SERVICE, startMesh, tally, type Mesh } from './harness.js';

/** The DestinationRule with subsets v1 and v2, and optionally a traffic policy (YAML at 4 spaces). */
function dr(trafficPolicy = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec:
  host: ${SERVICE}
${trafficPolicy ? `  trafficPolicy:\n${trafficPolicy}` : ''}  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
}

const DR_SUBSETS = dr();

function vs(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [${SERVICE}]
  http:
${http}`;
}

const ALL_TO = (subset: string) => vs(`  - route: [{destination: {host: ${SERVICE}, subset: ${subset}}}]\n`);

describe('proxyless gRPC clients follow the mesh config', { concurrency: false }, () => {
  let mesh: Mesh;
  let client: grpc.Client;
  const backend = (name: string) => mesh.backends.find((b) => b.name === name)!;

  before(async () => {
    mesh = await startMesh([
      { name: 'echo-v1-a', version: 'v1' },
      { name: 'echo-v1-b', version: 'v1' },
      { name: 'echo-v2', version: 'v2' },
    ]);
    await mesh.apply(DR_SUBSETS);
    client = newClient();
  });

  after(async () => {
    client?.close();
    await mesh?.close();
  });

  test('without routes, calls reach every endpoint of the service', async () => {
    const seen = await eventually('all three backends answer', async () => {
      const t = await tally(client, 30);
      return t.size === 3 ? t : undefined;
    });
    assert.deepEqual([...seen.keys()].sort(), ['echo-v1-a', 'echo-v1-b', 'echo-v2']);
  });

  test('an 80/20 weighted split between subsets holds within ±5% over 1000 calls', async () => {
    await mesh.apply(ALL_TO('v2'));
    await eventually('all traffic on v2', async () => ((await tally(client, 10)).get('echo-v2') === 10 ? true : undefined));
    await mesh.apply(vs(`  - route:
    - {destination: {host: ${SERVICE}, subset: v1}, weight: 80}
    - {destination: {host: ${SERVICE}, subset: v2}, weight: 20}
`));
    // Only the new config sends anything to v1, so the first v1 answer means it is in force.
    await eventually('v1 answers again', async () => ((await served(client))?.backend.startsWith('echo-v1') ? true : undefined));
    const t = await tally(client, 1000);
    const v1 = (t.get('echo-v1-a') ?? 0) + (t.get('echo-v1-b') ?? 0);
    const v2 = t.get('echo-v2') ?? 0;
    assert.equal(v1 + v2, 1000, JSON.stringify([...t]));
    assert.ok(v1 >= 750 && v1 <= 850, `v1 got ${v1}/1000, expected 800 ± 50`);
  });

  test('a header match routes one user to a subset, everyone else to the default', async () => {
    await mesh.apply(vs(`  - match: [{headers: {x-user: {exact: jason}}}]
    route: [{destination: {host: ${SERVICE}, subset: v2}}]
  - route: [{destination: {host: ${SERVICE}, subset: v1}}]
`));
    await eventually('others go to v1 only', async () => ((await tally(client, 10)).get('echo-v2') === undefined ? true : undefined));
    const jason = await tally(client, 20, { metadata: { 'x-user': 'jason' } });
    assert.deepEqual([...jason], [['echo-v2', 20]]);
    const others = await tally(client, 20, { metadata: { 'x-user': 'maria' } });
    assert.equal(others.get('echo-v2'), undefined);
    assert.equal((others.get('echo-v1-a') ?? 0) + (others.get('echo-v1-b') ?? 0), 20);
  });

  test('fault injection aborts a percentage of calls with the chosen gRPC status', async () => {
    await mesh.apply(vs(`  - fault: {abort: {grpcStatus: RESOURCE_EXHAUSTED, percentage: {value: 100}}}
    route: [{destination: {host: ${SERVICE}, subset: v1}}]
`));
    await eventually('every call aborted', async () => ((await tally(client, 10)).get('error:RESOURCE_EXHAUSTED') === 10 ? true : undefined));
    assert.equal(backend('echo-v1-a').calls + backend('echo-v1-b').calls > 0, true);
    const before = backend('echo-v1-a').calls + backend('echo-v1-b').calls;
    await tally(client, 20);
    assert.equal(backend('echo-v1-a').calls + backend('echo-v1-b').calls, before, 'aborted calls never reach a backend');

    await mesh.apply(vs(`  - fault: {abort: {grpcStatus: RESOURCE_EXHAUSTED, percentage: {value: 30}}}
    route: [{destination: {host: ${SERVICE}, subset: v1}}]
`));
    await eventually('some calls succeed again', async () => ((await served(client)) ? true : undefined));
    const t = await tally(client, 600);
    const aborted = t.get('error:RESOURCE_EXHAUSTED') ?? 0;
    assert.ok(aborted >= 120 && aborted <= 240, `aborted ${aborted}/600, expected about 180 (30%)`);
  });

  test('fault injection delays calls by the fixed delay', async () => {
    await mesh.apply(vs(`  - fault: {delay: {fixedDelay: 400ms, percentage: {value: 100}}}
    route: [{destination: {host: ${SERVICE}, subset: v1}}]
`));
    const slow = async () => {
      const t0 = performance.now();
      const r = await callOnce(client, { deadlineMs: 10_000 });
      return { ms: performance.now() - t0, ok: r.reply !== undefined };
    };
    await eventually('a delayed call', async () => ((await slow()).ms >= 400 ? true : undefined));
    for (let i = 0; i < 3; i++) {
      const r = await slow();
      assert.ok(r.ok && r.ms >= 400, `call ${i} took ${r.ms.toFixed(0)} ms; the delay is 400 ms`);
    }
  });

  test('a route timeout fails a call slower than it', async () => {
    backend('echo-v2').behaviour = { kind: 'delay', ms: 3000 };
    try {
      await mesh.apply(vs(`  - timeout: 300ms
    route: [{destination: {host: ${SERVICE}, subset: v2}}]
`));
      const r = await eventually('DEADLINE_EXCEEDED from the route timeout', async () => {
        const t0 = performance.now();
        const { error } = await callOnce(client, { deadlineMs: 10_000 });
        const ms = performance.now() - t0;
        return error?.code === grpc.status.DEADLINE_EXCEEDED && ms < 2500 ? ms : undefined;
      });
      assert.ok(r >= 300, `failed after ${r.toFixed(0)} ms, not before the 300 ms timeout`);
    } finally {
      backend('echo-v2').behaviour = { kind: 'ok' };
    }
  });

  test('retries hide a backend that fails every other call', async () => {
    backend('echo-v2').behaviour = { kind: 'fail-every-other', code: grpc.status.UNAVAILABLE };
    try {
      await mesh.apply(vs(`  - retries: {attempts: 0}
    route: [{destination: {host: ${SERVICE}, subset: v2}}]
`));
      await eventually('failures show without retries', async () => ((await tally(client, 10)).get('error:UNAVAILABLE') ? true : undefined));
      await mesh.apply(vs(`  - retries: {attempts: 3, retryOn: unavailable}
    route: [{destination: {host: ${SERVICE}, subset: v2}}]
`));
      await eventually('20 successes in a row', async () => ((await tally(client, 20)).get('echo-v2') === 20 ? true : undefined));
      const t = await tally(client, 100);
      assert.deepEqual([...t], [['echo-v2', 100]]);
      assert.ok(backend('echo-v2').calls >= 200, 'the backend really failed half of its calls');
    } finally {
      backend('echo-v2').behaviour = { kind: 'ok' };
    }
  });

  test('ring hash keeps a session header on one endpoint', async () => {
    await mesh.apply(vs(`  - route: [{destination: {host: ${SERVICE}}}]\n`));
    await mesh.apply(dr('    loadBalancer:\n      consistentHash: {httpHeaderName: x-session}\n'));
    // Round robin over three endpoints never answers ten times from one; ring hash always does.
    await eventually('session s0 sticks', async () => ((await tally(client, 10, { metadata: { 'x-session': 's0' } })).size === 1 ? true : undefined));
    const homes = new Set<string>();
    for (let s = 0; s < 12; s++) {
      const t = await tally(client, 15, { metadata: { 'x-session': `s${s}` } });
      assert.equal(t.size, 1, `session s${s} was served by ${[...t.keys()].join(', ')}`);
      homes.add([...t.keys()][0]!);
    }
    assert.ok(homes.size >= 2, 'different sessions spread over endpoints');
    await mesh.apply(DR_SUBSETS);
  });

  test('outlier detection ejects an endpoint that keeps failing', async () => {
    backend('echo-v1-b').behaviour = { kind: 'fail-always', code: grpc.status.UNAVAILABLE };
    try {
      await mesh.apply(ALL_TO('v1'));
      await mesh.apply(dr('    outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}\n'));
      await eventually('only the healthy endpoint answers', async () => ((await tally(client, 20)).get('echo-v1-a') === 20 ? true : undefined), { timeoutMs: 30_000 });
      const t = await tally(client, 50);
      assert.deepEqual([...t], [['echo-v1-a', 50]]);
    } finally {
      backend('echo-v1-b').behaviour = { kind: 'ok' };
      await mesh.apply(DR_SUBSETS);
    }
  });

  test('a config change in the file store reaches the client (time reported)', async (t) => {
    await mesh.apply(ALL_TO('v1'));
    await eventually('all on v1', async () => ((await tally(client, 6)).get('echo-v2') === undefined ? true : undefined));
    const t0 = performance.now();
    await mesh.apply(ALL_TO('v2'));
    await eventually('all on v2', async () => ((await served(client))?.backend === 'echo-v2' ? true : undefined), { everyMs: 5 });
    const ms = performance.now() - t0;
    // Reported, not asserted: timing belongs to the benchmark (bench/), not to pass/fail.
    t.diagnostic(`config change → client behaviour: ${ms.toFixed(0)} ms (debounce 20 ms)`);
  });

  test('clients keep their last config while the control plane is down, and resync after', async () => {
    await mesh.apply(ALL_TO('v2'));
    await eventually('all on v2', async () => ((await tally(client, 6)).get('echo-v2') === 6 ? true : undefined));
    await mesh.stopManager();
    const during = await tally(client, 30);
    assert.deepEqual([...during], [['echo-v2', 30]], 'served from the last config with no control plane');
    await mesh.apply(ALL_TO('v1')); // written while the manager is down
    await mesh.restartManager();
    await eventually('resynced to v1', async () => ((await tally(client, 6)).get('echo-v2') === undefined ? true : undefined), { timeoutMs: 60_000 });
  });
});
