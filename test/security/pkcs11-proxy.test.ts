// Workload keys in a PKCS#11 token, through the real proxy (issue #5): the manager runs the mesh
// CA; `isthmus proxy --private-key-provider pkcs11` sidecars keep their keys in SoftHSM2 tokens
// this test initialises — loaded into the proxy, or behind a `p11-kit server` the test starts —
// and serve STRICT mutual TLS with them to openssl s_client and to a mesh client sidecar. The
// token is asked directly (pkcs11-tool, raw PKCS#11) whether it holds the served certificate's
// key and whether that key can leave it; the disk is searched for the key; /proc shows which
// process maps the token library; and a short-lived certificate renews under traffic with a new
// token key each time while the old ones are destroyed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { curl } from '../helpers/curl.js';
import { eventually } from '../helpers/eventually.js';
import {
  CKR_ATTRIBUTE_SENSITIVE, CKR_KEY_UNEXTRACTABLE, childPids, initSoftHsmToken, mappedLibraries, probeTokenKey, requireTokenPackages, SOFTHSM_MODULE,
  startP11KitServer, type P11KitServer, type SoftHsmToken,
} from '../helpers/softhsm.js';
import { MAX_TIME, viaProxy } from '../proxy/e2e/fixtures.js';
import type { Sidecar } from '../proxy/e2e/mesh.js';
import { IdentityMesh, issuedBy, loadThrough, loggedSerials, pemCertificates, presentedLeaf, sawMtlsFrom, sClient, spiffeId, uriSans, type ClientSvid, strictPeerAuthentication } from './mesh-identity.js';
import { filesHoldingPrivateKeys, pkcs11Env, tokenKeyFor, tokenPrivateKeys, tokenSidecar, type TokenMode } from './token-sidecar.js';

// Every sidecar whose keys are in a token is STRICT: whatever reaches its app came over mTLS.
const STRICT = strictPeerAuthentication('token-keys-strict', ['keys', 'token']);

const MODES: TokenMode[] = ['in-process', 'out-of-process'];
/** Renewed at half of this: a few renewals in seconds. */
const SHORT_TTL = '6s';

const started = Date.now() - 1000;
let m: IdentityMesh;
let app: Backend;
let client: Sidecar;
let svid: ClientSvid;
/** Public keys of every certificate a token sidecar served, for the disk search at the end. */
const servedKeys = new Map<string, X509Certificate>();

before(async () => {
  await requireTokenPackages();
  app = await startHttpBackend('token-app');
  m = await IdentityMesh.start({ 'strict.yaml': STRICT });
  client = await m.sidecar({ service: 'client', labels: { app: 'client' } });
  svid = await m.clientSvid('client');
});

after(async () => {
  await m?.close();
  await app?.close();
});

/** A token (and for out-of-process, its p11-kit server) and a sidecar keeping its keys there. */
async function startTokenSidecar(mode: TokenMode, service: string, certTtl?: string): Promise<{ token: SoftHsmToken; server?: P11KitServer; sidecar: Sidecar; close(): Promise<void> }> {
  const token = await initSoftHsmToken(`${service}-${mode}`.slice(0, 32));
  let server: P11KitServer | undefined;
  let sidecar: Sidecar | undefined;
  const close = async () => {
    // The proxy first: its engine holds a connection to the p11-kit server.
    await sidecar?.stop();
    await server?.stop();
    token.remove();
  };
  try {
    if (mode === 'out-of-process') server = await startP11KitServer(token);
    sidecar = await tokenSidecar(m, { service, labels: { app: service, keys: 'token' }, appPort: app.port, outboundPort: 0, certTtl }, pkcs11Env(token, mode, server));
    // STRICT has reached it once plaintext no longer gets an answer.
    const port = sidecar.inboundPort;
    await eventually(`STRICT on ${service}`, async () => ((await curl([...MAX_TIME, `http://127.0.0.1:${port}/`])).status === 0 ? true : undefined));
    return { token, server, sidecar, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The leaf a port serves to openssl, after checking it chains to the mesh root. */
async function servedLeaf(port: number): Promise<string> {
  const out = await sClient(port, ['-CAfile', m.bundleFile, '-showcerts', '-verify_return_error', '-cert', svid.certFile, '-key', svid.keyFile]);
  assert.match(out, /Verify return code: 0 \(ok\)/, out);
  const leaf = pemCertificates(out)[0];
  assert.ok(leaf, out);
  return leaf;
}

for (const mode of MODES) {
  describe(`a sidecar serving mTLS with a SoftHSM2 token key (${mode})`, () => {
    const service = mode === 'in-process' ? 'vault' : 'enclave';
    let t: Awaited<ReturnType<typeof startTokenSidecar>>;
    let leaf: string;

    before(async () => {
      t = await startTokenSidecar(mode, service);
    });
    after(async () => {
      await t?.close();
    });

    it('openssl s_client completes the mutual TLS handshake: the chain verifies to the mesh root and names the workload', async () => {
      leaf = await servedLeaf(t.sidecar.inboundPort);
      servedKeys.set(new X509Certificate(leaf).serialNumber, new X509Certificate(leaf));
      assert.deepEqual(uriSans(leaf), [spiffeId('default', service)]);
      assert.ok(issuedBy(leaf, (await m.roots())[0]!));
      // …and the same handshake carries a request to the app.
      const request = `GET /openssl HTTP/1.1\r\nHost: ${service}\r\nConnection: close\r\n\r\n`;
      const out = await sClient(t.sidecar.inboundPort, ['-CAfile', m.bundleFile, '-verify_return_error', '-cert', svid.certFile, '-key', svid.keyFile, '-ign_eof', '-quiet'], request);
      assert.match(out, /^HTTP\/1\.1 200/m, out);
      assert.match(out, /x-backend: token-app/i);
    });

    it('a mesh client sidecar reaches it over auto mTLS (the port is STRICT, plaintext gets nothing)', async () => {
      const url = `http://${service}.default.svc.cluster.local:${t.sidecar.inboundPort}/from-sidecar`;
      const r = await eventually('the client sidecar reaches the token sidecar', async () => {
        const res = await viaProxy(client, url);
        return res.status === 200 ? res : undefined;
      });
      assert.equal(r.headers['x-backend'], 'token-app');
      await eventually('inbound mTLS from the client sidecar', () => sawMtlsFrom(t.sidecar, spiffeId('default', 'client')).then((ok) => ok || undefined));
      const plain = await curl([...MAX_TIME, `http://127.0.0.1:${t.sidecar.inboundPort}/plain`]);
      assert.equal(plain.status, 0, `plaintext got ${plain.status}`);
    });

    it('the served certificate\'s key is in the token, sensitive and never extractable: its value and a wrap are refused', async () => {
      const keys = await tokenPrivateKeys(t.token);
      assert.ok(keys.length >= 1, 'pkcs11-tool lists the workload key in the token');
      const key = await tokenKeyFor(t.token, new X509Certificate(leaf).publicKey);
      assert.ok(key, `no key in the token matches the served certificate (token holds ${keys.map((k) => k.label).join(', ')})`);
      assert.match(key.label, /^isthmus-workload-/);
      assert.ok(key.access.includes('sensitive') && key.access.includes('never extractable'), key.access.join(', '));
      const p = await probeTokenKey({ module: SOFTHSM_MODULE, label: t.token.label, pin: t.token.pin, idHex: key.id, env: { SOFTHSM2_CONF: t.token.conf } });
      assert.deepEqual(
        { found: p.found, sensitive: p.sensitive, extractable: p.extractable, alwaysSensitive: p.alwaysSensitive, neverExtractable: p.neverExtractable },
        { found: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true },
      );
      assert.equal(p.valueRv, CKR_ATTRIBUTE_SENSITIVE, 'C_GetAttributeValue(CKA_VALUE) must be refused as sensitive');
      assert.equal(p.wrapRv, CKR_KEY_UNEXTRACTABLE, 'C_WrapKey must be refused: the key is not extractable');
    });

    it(mode === 'in-process' ? 'the proxy process maps libsofthsm2.so itself' : 'the proxy process maps only p11-kit-client.so; the token library lives in the p11-kit server\'s child', () => {
      const pid = t.sidecar.process.child.pid!;
      const libs = mappedLibraries(pid);
      assert.ok(libs.some((l) => l.endsWith('/pkcs11.so')), `the pkcs11 engine must be mapped in the proxy: ${libs.join(' ')}`);
      if (mode === 'in-process') {
        assert.ok(libs.some((l) => l.endsWith('/libsofthsm2.so')), `libsofthsm2.so must be mapped in process: ${libs.join(' ')}`);
        return;
      }
      assert.ok(libs.some((l) => l.endsWith('/p11-kit-client.so')), `p11-kit-client.so must be mapped: ${libs.join(' ')}`);
      assert.ok(!libs.some((l) => /softhsm/i.test(l)), `the proxy maps ${libs.filter((l) => /softhsm/i.test(l)).join(' ')}`);
      // Nor could it open the token itself: it is not told where SoftHSM2 keeps it.
      assert.ok(!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((v) => v.startsWith('SOFTHSM2_CONF=')), 'the proxy has SOFTHSM2_CONF');
      const remotes = childPids(t.server!.process.child.pid!);
      assert.ok(remotes.some((r) => mappedLibraries(r).some((l) => l.endsWith('/libsofthsm2.so'))), `no p11-kit-remote child maps libsofthsm2.so (children ${remotes.join(',')})`);
    });

    it('no file changed on disk during the run holds the workload private key', () => {
      assertNoKeyOnDisk([new X509Certificate(leaf)], t.token);
    });
  });
}

for (const mode of MODES) {
  describe(`renewal with token keys (${mode}, --cert-ttl ${SHORT_TTL})`, () => {
    const service = mode === 'in-process' ? 'vault-renewing' : 'enclave-renewing';
    let t: Awaited<ReturnType<typeof startTokenSidecar>>;

    before(async () => {
      t = await startTokenSidecar(mode, service, SHORT_TTL);
    });
    after(async () => {
      await t?.close();
    });

    it('traffic keeps flowing across renewals; each certificate has a new token key and old keys are destroyed', { timeout: 60_000 }, async (tc) => {
      const url = `http://${service}.default.svc.cluster.local:${t.sidecar.inboundPort}/renewing`;
      await eventually('a first request through the client sidecar', async () => ((await viaProxy(client, url)).status === 200 ? true : undefined));
      let stopLoad!: () => void;
      const load = loadThrough(client, url, 2, new Promise<void>((resolve) => (stopLoad = resolve)));
      const served: { serial: string; cert: X509Certificate; keyId?: string }[] = [];
      let mostKeys = 0;
      let firstKeyGone = false;
      try {
        // An outside observer sees certificate after certificate, each signed by a key in the
        // token, until the first one's key is gone from the token (destroyed, not merely unused).
        await eventually('three certificates served and the first one\'s token key destroyed', async () => {
          const pem = await presentedLeaf(t.sidecar.inboundPort, m.bundleFile);
          const keys = await tokenPrivateKeys(t.token);
          mostKeys = Math.max(mostKeys, keys.length);
          if (pem) {
            const cert = new X509Certificate(pem);
            if (!served.some((s) => s.serial === cert.serialNumber)) {
              // The key may be renewed away between the handshake and this lookup: a miss is retried via the next certificate.
              served.push({ serial: cert.serialNumber, cert, keyId: (await tokenKeyFor(t.token, cert.publicKey))?.id });
            }
          }
          const first = served.find((s) => s.keyId !== undefined)?.keyId;
          firstKeyGone = first !== undefined && !keys.some((k) => k.id === first);
          return served.length >= 3 && firstKeyGone ? true : undefined;
        }, { timeoutMs: 40_000, everyMs: 200 });
      } finally {
        stopLoad();
      }
      const result = await load;
      for (const s of served) servedKeys.set(s.serial, s.cert);
      tc.diagnostic(`${result.ok} requests; serials served: ${served.length}; renewals logged: ${loggedSerials(t.sidecar).length}; most keys in the token at once: ${mostKeys}`);
      assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.ok + result.failures.length} requests failed`);
      assert.ok(result.ok > 0);
      const root = (await m.roots())[0]!;
      for (const s of served) {
        assert.deepEqual(uriSans(s.cert.toString()), [spiffeId('default', service)]);
        assert.ok(issuedBy(s.cert.toString(), root));
        assert.ok(loggedSerials(t.sidecar).includes(s.serial), `served serial ${s.serial} is one the agent got`);
      }
      // Most were matched to a token key while still there; every matched key was a different one.
      const matched = served.filter((s) => s.keyId !== undefined).map((s) => s.keyId);
      assert.ok(matched.length >= 2, `only ${matched.length} served certificates matched a token key`);
      assert.equal(new Set(matched).size, matched.length, 'each certificate has its own token key');
      // Current + previous (kept until the next renewal) + the one being made: no more.
      assert.ok(mostKeys <= 3, `the token held ${mostKeys} keys at once: old keys are not destroyed`);
      assert.ok(firstKeyGone);
      // The current key is as protected as the first.
      const current = await tokenKeyFor(t.token, new X509Certificate((await presentedLeaf(t.sidecar.inboundPort, m.bundleFile))!).publicKey);
      if (current) {
        const p = await probeTokenKey({ module: SOFTHSM_MODULE, label: t.token.label, pin: t.token.pin, idHex: current.id, env: { SOFTHSM2_CONF: t.token.conf } });
        assert.equal(p.sensitive && !p.extractable && p.neverExtractable && p.wrapRv === CKR_KEY_UNEXTRACTABLE, true, JSON.stringify(p));
      }
    });

    it('no file changed on disk during the run holds any of the renewed keys', () => {
      assertNoKeyOnDisk([...servedKeys.values()], t.token);
    });
  });
}

/**
 * Every file changed since this file started (temp dir and the repository, less node_modules,
 * dist and .git) is parsed as a private key and compared with the served certificates' keys.
 * The token store is among the files looked at: SoftHSM keeps its objects there, encrypted.
 */
function assertNoKeyOnDisk(certs: X509Certificate[], token: SoftHsmToken): void {
  const cwd = process.cwd();
  const { holders, scanned } = filesHoldingPrivateKeys(certs.map((c) => c.publicKey), started, [
    { dir: os.tmpdir() },
    { dir: cwd, exclude: ['node_modules', 'dist', '.git'].map((d) => path.join(cwd, d)) },
  ]);
  assert.ok(scanned.some((f) => f.startsWith(token.tokenDir)), 'the search covers the token store');
  // A positive control: the client SVID key this test wrote is found the same way.
  const control = filesHoldingPrivateKeys([new X509Certificate(svid.chain[0]!).publicKey], started, [{ dir: m.work }]);
  assert.deepEqual(control.holders, [svid.keyFile], 'the search finds a key file it should');
  assert.deepEqual(holders, [], 'files holding a workload private key');
}
