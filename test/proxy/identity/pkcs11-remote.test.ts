// The pkcs11 private key provider out of process: a `p11-kit server` owns SoftHSM2 and this
// process (the one serving TLS) loads only p11-kit-client.so, which forwards PKCS#11 calls over
// a Unix socket. The proof is in /proc/self/maps: libsofthsm2.so is never mapped here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parsePkcs11Options, pkcs11KeyProvider, type Pkcs11KeyProvider, type TokenKey } from '../../../src/proxy/identity/pkcs11/index.js';
import { eventually } from '../../helpers/eventually.js';
import {
  CKR_ATTRIBUTE_SENSITIVE, CKR_KEY_UNEXTRACTABLE, SOFTHSM_MODULE, childPids, createTestCa, initSoftHsmToken, mappedLibraries, opensslSClient, probeTokenKey,
  requireTokenPackages, serveMtls, startP11KitServer, type P11KitServer, type SoftHsmToken, type TestCa,
} from '../../helpers/softhsm.js';

const SPIFFE = 'spiffe://cluster.local/ns/default/sa/ratings';

describe('pkcs11 key provider, out of process (p11-kit server holds the token)', () => {
  let token: SoftHsmToken;
  let server: P11KitServer;
  let ca: TestCa;
  let provider: Pkcs11KeyProvider;
  const keys: TokenKey[] = [];

  before(async () => {
    await requireTokenPackages();
    token = await initSoftHsmToken('isthmus-remote');
    // Deliberately no SOFTHSM2_CONF in this process: only the server knows where the token lives.
    delete process.env.SOFTHSM2_CONF;
    server = await startP11KitServer(token);
    ca = await createTestCa(path.join(token.dir, 'test-ca'));
    provider = await pkcs11KeyProvider(parsePkcs11Options({
      ISTHMUS_PKCS11_MODE: 'out-of-process',
      ISTHMUS_PKCS11_TOKEN: token.label,
      ISTHMUS_PKCS11_PIN: token.pin,
      ISTHMUS_PKCS11_SERVER_ADDRESS: server.address,
    }));
  });
  after(async () => {
    for (const k of keys) await k.close().catch(() => undefined);
    await server?.stop();
    token?.remove();
  });

  // The probe opens the token directly, in its own process (p11-kit's RPC does not carry C_WrapKey's AES mechanisms).
  const probe = (key: TokenKey) => probeTokenKey({ module: SOFTHSM_MODULE, label: token.label, pin: token.pin, idHex: key.id.toString('hex'), env: { SOFTHSM2_CONF: token.conf } });

  test('makes a sensitive, never-extractable key in the token behind the server', async () => {
    const key = (await provider.newKey('ECDSA_P256')) as TokenKey;
    keys.push(key);
    const p = await probe(key);
    assert.equal(p.found && p.sensitive && !p.extractable && p.neverExtractable, true, JSON.stringify(p));
    assert.equal(p.valueRv, CKR_ATTRIBUTE_SENSITIVE);
    assert.equal(p.wrapRv, CKR_KEY_UNEXTRACTABLE);
  });

  test('serves mTLS through the server; this process never maps libsofthsm2.so', async (t) => {
    const key = (await provider.newKey('ECDSA_P256')) as TokenKey;
    keys.push(key);
    const cert = await ca.issue(await key.createCsr(SPIFFE));
    const srv = await serveMtls(key.secureContextKey(), cert, fs.readFileSync(ca.caCert, 'utf8'));
    t.after(() => srv.close());
    const out = await opensslSClient(srv.port, ca);
    assert.match(out, /CONNECTION ESTABLISHED/);
    assert.match(out, /Verification: OK/);
    assert.match(out, /Signature type: ECDSA/);
    await eventually('the server saw the client certificate', () => (srv.peers.includes('URI:spiffe://cluster.local/ns/default/sa/peer') ? true : undefined));

    const libs = mappedLibraries();
    assert.ok(libs.some((l) => l.endsWith('/p11-kit-client.so')), `p11-kit-client.so must be mapped: ${libs.join(' ')}`);
    assert.ok(libs.some((l) => l.endsWith('/pkcs11.so')), 'the pkcs11 engine must be mapped');
    assert.ok(!libs.some((l) => /softhsm/i.test(l)), `libsofthsm2.so must not be mapped in the TLS-serving process: ${libs.filter((l) => /softhsm/i.test(l)).join(' ')}`);
    // …while the server's side of this connection (p11-kit forks a p11-kit-remote per client) does.
    const remotes = childPids(server.process.child.pid!);
    assert.ok(remotes.some((pid) => mappedLibraries(pid).some((l) => l.endsWith('libsofthsm2.so'))), `no p11-kit-remote child maps libsofthsm2.so (children ${remotes.join(',')})`);
  });

  test('closing a key destroys it in the token', async () => {
    const key = (await provider.newKey('ECDSA_P256')) as TokenKey;
    assert.equal((await probe(key)).found, true);
    await key.close();
    assert.equal((await probe(key)).found, false);
  });
});
