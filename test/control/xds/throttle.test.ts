// A stream that stops reading must not hold up everyone else: it keeps only its own few slots
// of the push throttle, and its stream ends when a response is not taken in time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CDS, TestStream, cluster, node, startServer, waitFor, type FakeSnapshot, type SotwResponse } from './harness.js';

const FROZEN = 'sidecar~10.0.0.9~frozen-1.default~default.svc.cluster.local';

/** Clusters big enough (≈ 100 KiB a response) that a reader who stops fills HTTP/2 flow control. */
function snapshot(version: number): FakeSnapshot {
  return { version: `v${version}`, resources: { [CDS]: Array.from({ length: 300 }, (_, i) => cluster(`c${i}-${'x'.repeat(300)}`, version)) } };
}

test('a stalled stream does not block pushes to others, and is ended after the send timeout', { timeout: 60_000 }, async () => {
  const h = await startServer({ sendTimeoutMs: 3000 });
  const streams: TestStream<SotwResponse>[] = [];
  const children: ChildProcess[] = [];
  try {
    h.server.setSnapshot(snapshot(1));
    // A client in another process, frozen with SIGSTOP: it stops reading down to TCP.
    const stalled = spawn(process.execPath, [fileURLToPath(new URL('./stalled-client.js', import.meta.url)), String(h.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(stalled);
    for await (const line of createInterface({ input: stalled.stdout })) if (line === 'subscribed') break;
    stalled.kill('SIGSTOP');
    for (let v = 2; v <= 60; v++) {
      h.server.setSnapshot(snapshot(v));
      h.server.pushNow();
    }
    const healthy = new TestStream<SotwResponse>(h.port, 'sotw');
    streams.push(healthy);
    healthy.send({ node: node('sidecar~10.0.0.2~ratings-v1.default~default.svc.cluster.local'), type_url: CDS, resource_names: [], response_nonce: '' });
    const first = await healthy.next('clusters for a new stream while another is stalled');
    assert.equal(first.version_info, 'v60');
    await waitFor(() => !h.server.syncz().some((c) => c.id === FROZEN), 'the stalled stream is ended after its send timeout');
    assert.ok(h.logs.some((l) => /did not take a cds response within 3000 ms/.test(l)), h.logs.join('\n'));
  } finally {
    for (const c of children) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    for (const s of streams) s.close();
    await h.close();
  }
});
