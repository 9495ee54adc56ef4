// The proxy facing hostile or broken peers: malformed request lines, invalid headers, request
// smuggling attempts, oversized headers, a slow-loris client and an upstream that resets
// mid-body. Each gets the right 4xx/5xx or a clean close, other clients keep being served, and
// the proxy's memory settles back near where it started.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { Mesh, type Sidecar } from './mesh.js';

const HOST = 'echo.default.svc.cluster.local';

function serviceEntry(port: number): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 8080, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
`;
}

/** Sends raw bytes, returns everything the proxy answered before closing (or `waitMs` passing). */
function raw(port: number, bytes: string | Buffer, waitMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

describe('proxy robustness', () => {
  let mesh: Mesh;
  let backend: Backend;
  let sidecar: Sidecar;
  let port: number;
  const okThroughProxy = async () => {
    const r = await curl(['-x', `http://127.0.0.1:${port}`, `http://${HOST}:8080/ok`]);
    assert.equal(r.status, 200, `a well-behaved client is still served: ${r.stderr}`);
  };

  before(async () => {
    backend = await startHttpBackend('echo');
    mesh = await Mesh.start({ 'echo.yaml': serviceEntry(backend.port) });
    sidecar = await mesh.sidecar({ service: 'client' });
    port = sidecar.outboundPort;
    await okThroughProxy();
  });
  after(async () => {
    await mesh?.close();
    await backend?.close();
  });

  const cases: [string, string, RegExp][] = [
    ['a malformed request line', 'GARBAGE\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['a header name with a space', `GET / HTTP/1.1\r\nHost: ${HOST}:8080\r\nBad Header: x\r\n\r\n`, /^HTTP\/1\.1 400 /],
    ['a control character in a header value', `GET / HTTP/1.1\r\nHost: ${HOST}:8080\r\nX-A: a\u0001b\r\n\r\n`, /^HTTP\/1\.1 400 /],
    ['Content-Length with Transfer-Encoding (smuggling)', `POST / HTTP/1.1\r\nHost: ${HOST}:8080\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ${HOST}:8080\r\n\r\n`, /^HTTP\/1\.1 400 /],
    ['two different Content-Lengths', `POST / HTTP/1.1\r\nHost: ${HOST}:8080\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, /^HTTP\/1\.1 400 /],
    ['an invalid chunk size', `POST / HTTP/1.1\r\nHost: ${HOST}:8080\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, /^HTTP\/1\.1 400 /],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['oversized headers (over 60 KiB)', `GET / HTTP/1.1\r\nHost: ${HOST}:8080\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`answers ${name} with an error and closes`, async () => {
      const before = backend.requests.length;
      const r = await raw(port, bytes);
      assert.match(r.text, expected, `answer was: ${JSON.stringify(r.text.slice(0, 200))}`);
      assert.ok(r.closed, 'the connection is closed after the error');
      assert.equal(backend.requests.length, before, 'nothing reached the upstream');
      await okThroughProxy();
    });
  }

  it('closes a slow-loris client that never finishes its headers, and one that never sends a byte, while serving others', async () => {
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => {});
    const silentClosed = new Promise<void>((r) => silent.on('close', () => r()));
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}:8080\r\n`);
    // One header byte a second: never a complete head.
    const drip = setInterval(() => socket.write('X'), 1000);
    await okThroughProxy();
    await closed;
    clearInterval(drip);
    assert.match(text, /^HTTP\/1\.1 408 /, `the slow client is told it timed out: ${JSON.stringify(text)}`);
    await silentClosed;
    await okThroughProxy();
  });

  it('cuts the response short when the upstream resets mid-body, and keeps serving', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${port}`, `http://${HOST}:8080/?reset=1`]);
    assert.equal(r.status, 200, 'the headers had already gone out');
    assert.notEqual(r.exitCode, 0, 'curl sees the body end early, not a made-up complete response');
    await okThroughProxy();
  });

  it('memory settles back near its baseline after a burst of bad requests', async () => {
    const pid = sidecar.process.child.pid!;
    const baseline = await rssKb(pid);
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => raw(port, cases[i % cases.length]![1], 5000)));
    }
    await okThroughProxy();
    // Garbage is collected lazily: wait for RSS to come back within 30 MB of the baseline.
    const settled = await eventually('RSS back near baseline', async () => {
      const now = await rssKb(pid);
      return now - baseline < 30 * 1024 ? now : undefined;
    }, { timeoutMs: 30_000, everyMs: 500 });
    assert.ok(settled - baseline < 30 * 1024, `RSS ${settled} KiB vs baseline ${baseline} KiB`);
  });
});
