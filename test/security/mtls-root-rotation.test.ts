// Root rotation with an overlap drops no request (issue #5): while keep-alive traffic flows from
// a client sidecar to a STRICT server sidecar, `isthmus ca rotate-root --overlap` makes a new
// root sign. Both sidecars must come to present certificates the NEW root issued (checked with
// openssl on their inbound ports) while the old root is still trusted; then the overlap ends, the
// old root leaves the bundle (an old-root certificate is refused from then on), traffic goes on
// a few seconds more — and not one request failed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { viaProxy } from '../proxy/e2e/fixtures.js';
import type { Sidecar } from '../proxy/e2e/mesh.js';
import { curlMtls, IdentityMesh, issuedBy, loadThrough, presentedLeaf, strictPeerAuthentication } from './mesh-identity.js';

const STRICT = strictPeerAuthentication('server-strict', ['app', 'server']);

/** Long enough for both sidecars to renew onto the new root (6 s certificates renew every ~3 s). */
const OVERLAP_S = 15;
/** Traffic after the old root left every bundle. */
const AFTER_OVERLAP_MS = 5_000;

let m: IdentityMesh;
let app: Backend;
let server: Sidecar;
let client: Sidecar;

before(async () => {
  app = await startHttpBackend('server-app');
  m = await IdentityMesh.start({ 'strict.yaml': STRICT });
  [server, client] = await Promise.all([
    m.sidecar({ service: 'server', labels: { app: 'server' }, appPort: app.port, outboundPort: 0, certTtl: '6s' }),
    // An app port gives the client workload an inbound listener: where openssl sees the certificate it holds.
    m.sidecar({ service: 'client', labels: { app: 'client' }, appPort: app.port, certTtl: '6s' }),
  ]);
});

after(async () => {
  await m?.close();
  await app?.close();
});

/** Whether the leaf `sidecar`'s inbound port presents now was issued by `root`. */
async function presentsFrom(sidecar: Sidecar, root: string): Promise<true | undefined> {
  const leaf = await presentedLeaf(sidecar.inboundPort, m.bundleFile);
  return leaf && issuedBy(leaf, root) ? true : undefined;
}

test('rotating the root with an overlap, under load, drops no request', { timeout: 120_000 }, async (t) => {
  const url = `http://server.default.svc.cluster.local:${server.inboundPort}/load`;
  await eventually('a first request through both sidecars', async () => ((await viaProxy(client, url)).status === 200 ? true : undefined));
  const [oldRoot] = await m.roots();
  assert.ok(oldRoot);
  // A workload certificate from the old root, to see when the server stops trusting that root.
  const oldSvid = await m.clientSvid('client');
  assert.ok(issuedBy(oldSvid.chain[0]!, oldRoot));
  assert.equal((await curlMtls(server.inboundPort, oldSvid)).status, 200);

  let stopLoad!: () => void;
  const load = loadThrough(client, url, 4, new Promise<void>((resolve) => (stopLoad = resolve)));
  try {
    const rotated = await runCli(['ca', 'rotate-root', '--ca-dir', m.caDir, '--overlap', `${OVERLAP_S}s`]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const roots = await m.roots();
    assert.equal(roots.length, 2, 'during the overlap the bundle holds both roots');
    const newRoot = roots[0]!;
    assert.notEqual(newRoot, oldRoot);
    assert.equal(roots[1], oldRoot);
    // The overlap has just begun: the old root is still trusted.
    assert.equal((await curlMtls(server.inboundPort, oldSvid)).status, 200, 'an old-root certificate is accepted during the overlap');

    // Both sidecars renew onto the new root while the old one is still trusted.
    await eventually('the server presenting a certificate from the new root', () => presentsFrom(server, newRoot), { timeoutMs: OVERLAP_S * 1000 });
    await eventually('the client presenting a certificate from the new root', () => presentsFrom(client, newRoot), { timeoutMs: OVERLAP_S * 1000 });

    // The overlap ends: the old root leaves the bundle, and the server's trust with it.
    await eventually('the bundle holding only the new root', async () => {
      const now = await m.roots();
      return now.length === 1 && now[0] === newRoot ? true : undefined;
    }, { timeoutMs: (OVERLAP_S + 20) * 1000, everyMs: 200 });
    await eventually('the server refusing the old-root certificate', async () => ((await curlMtls(server.inboundPort, oldSvid)).status === 0 ? true : undefined));

    // Not a wait for anything: the load runs on for a fixed stretch with only the new root trusted.
    await delay(AFTER_OVERLAP_MS);
    assert.ok(await presentsFrom(server, newRoot));
    assert.ok(await presentsFrom(client, newRoot));
  } finally {
    stopLoad();
  }
  const result = await load;
  t.diagnostic(`${result.ok} requests across the rotation`);
  assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.ok + result.failures.length} requests failed`);
  assert.ok(result.ok >= 100, `only ${result.ok} requests`);
});
