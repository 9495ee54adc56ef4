// Workload certificate rotation under load drops no request (issue #5): a client sidecar and a
// STRICT server sidecar hold certificates from the real mesh CA that live 8 s and are renewed
// halfway, so each renews several times during 30 s of keep-alive traffic from a few concurrent
// clients. Every renewal swaps the TLS context and retires pooled upstream connections; no
// request may fail. That renewals happened is shown, not assumed: by the serials the agents log,
// and by the certificates openssl sees the server's inbound port present while the load runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { eventually } from '../helpers/eventually.js';
import { viaProxy } from '../proxy/e2e/fixtures.js';
import type { Sidecar } from '../proxy/e2e/mesh.js';
import { IdentityMesh, issuedBy, loadThrough, loggedSerials, presentedLeaf, sawMtlsFrom, spiffeId, strictPeerAuthentication } from './mesh-identity.js';

const STRICT = strictPeerAuthentication('server-strict', ['app', 'server']);

/** The load length. */
const LOAD_MS = 30_000;
const CERT_TTL = '8s';

let m: IdentityMesh;
let app: Backend;
let server: Sidecar;
let client: Sidecar;

before(async () => {
  app = await startHttpBackend('server-app');
  m = await IdentityMesh.start({ 'strict.yaml': STRICT });
  [server, client] = await Promise.all([
    m.sidecar({ service: 'server', labels: { app: 'server' }, appPort: app.port, outboundPort: 0, certTtl: CERT_TTL }),
    m.sidecar({ service: 'client', labels: { app: 'client' }, certTtl: CERT_TTL }),
  ]);
});

after(async () => {
  await m?.close();
  await app?.close();
});

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

test(`certificates renewed during ${LOAD_MS / 1000} s of load through both sidecars drop no request`, { timeout: 120_000 }, async (t) => {
  const url = `http://server.default.svc.cluster.local:${server.inboundPort}/load`;
  await eventually('a first request through both sidecars', async () => ((await viaProxy(client, url)).status === 200 ? true : undefined));
  const start = { server: loggedSerials(server).length, client: loggedSerials(client).length };
  const root = (await m.roots())[0]!;

  const load = loadThrough(client, url, 4, delay(LOAD_MS));
  // While the load runs, an outside observer sees the server present one certificate after another.
  const presented = new Set<string>();
  await eventually('the server inbound port presenting three different certificates', async () => {
    const leaf = await presentedLeaf(server.inboundPort, m.bundleFile);
    if (leaf) {
      assert.ok(issuedBy(leaf, root));
      presented.add(serialOf(leaf));
    }
    return presented.size >= 3 ? true : undefined;
  }, { timeoutMs: LOAD_MS, everyMs: 500 });
  const result = await load;

  const renewed = { server: loggedSerials(server).slice(start.server), client: loggedSerials(client).slice(start.client) };
  t.diagnostic(`${result.ok} requests; renewals: server ${renewed.server.length}, client ${renewed.client.length}; serials openssl saw: ${presented.size}`);
  assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.ok + result.failures.length} requests failed`);
  assert.ok(result.ok >= 100, `only ${result.ok} requests in ${LOAD_MS} ms`);
  // 8 s certificates renewed at half their life: about 7 renewals each in 30 s; at least 3.
  assert.ok(new Set(renewed.server).size >= 3, `the server renewed ${renewed.server.length} times: ${server.process.output()}`);
  assert.ok(new Set(renewed.client).size >= 3, `the client renewed ${renewed.client.length} times: ${client.process.output()}`);
  for (const serial of presented) assert.ok(loggedSerials(server).includes(serial), `presented serial ${serial} is one the server agent got`);
  // All of it was mutual TLS with the client's identity (the port is STRICT).
  assert.ok(await sawMtlsFrom(server, spiffeId('default', 'client')));
});
