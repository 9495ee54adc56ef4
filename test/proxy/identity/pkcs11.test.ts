// The pkcs11 private key provider in process: SoftHSM2 (a token initialised by this test in its
// own temp dir) is loaded into this process by OpenSSL's pkcs11 engine. Keys are made in the
// token, proven unreadable and unwrappable, sign CSRs there, and serve mTLS to openssl s_client.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parsePkcs11Options, pkcs11KeyProvider, Pkcs11Error, type Pkcs11KeyProvider, type TokenKey } from '../../../src/proxy/identity/pkcs11/index.js';
import { eventually } from '../../helpers/eventually.js';
import {
  CKR_ATTRIBUTE_SENSITIVE, CKR_KEY_UNEXTRACTABLE, SOFTHSM_MODULE, createTestCa, filesModifiedSince, initSoftHsmToken, mappedLibraries, opensslSClient,
  probeTokenKey, requireTokenPackages, serveMtls, type SoftHsmToken, type TestCa,
} from '../../helpers/softhsm.js';

const run = promisify(execFile);
const SPIFFE = 'spiffe://cluster.local/ns/default/sa/reviews';

describe('pkcs11 key provider, in process (SoftHSM2 loaded through the pkcs11 engine)', () => {
  const started = Date.now() - 1000;
  let token: SoftHsmToken;
  let ca: TestCa;
  let provider: Pkcs11KeyProvider;
  const keys: TokenKey[] = [];

  before(async () => {
    await requireTokenPackages();
    token = await initSoftHsmToken();
    // SoftHSM2 reads its config from the environment when the engine initialises it in this process.
    process.env.SOFTHSM2_CONF = token.conf;
    ca = await createTestCa(path.join(token.dir, 'test-ca'));
    provider = await pkcs11KeyProvider(parsePkcs11Options({ ISTHMUS_PKCS11_TOKEN: token.label, ISTHMUS_PKCS11_PIN_FILE: token.pinFile }));
  });
  after(async () => {
    for (const k of keys) await k.close().catch(() => undefined);
    token?.remove();
  });

  const probe = (key: TokenKey) => probeTokenKey({ module: SOFTHSM_MODULE, label: token.label, pin: token.pin, idHex: key.id.toString('hex'), env: { SOFTHSM2_CONF: token.conf } });

  async function newKey(algorithm: 'ECDSA_P256' | 'RSA_2048' = 'ECDSA_P256'): Promise<TokenKey> {
    const key = (await provider.newKey(algorithm)) as TokenKey;
    keys.push(key);
    return key;
  }

  test('makes the key inside the token: sensitive, never extractable, its value unreadable and unwrappable', async () => {
    const key = await newKey();
    const p = await probe(key);
    assert.deepEqual(
      { found: p.found, sensitive: p.sensitive, extractable: p.extractable, alwaysSensitive: p.alwaysSensitive, neverExtractable: p.neverExtractable },
      { found: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true },
    );
    assert.equal(p.valueRv, CKR_ATTRIBUTE_SENSITIVE, 'C_GetAttributeValue(CKA_VALUE) must be refused as sensitive');
    assert.equal(p.wrapRv, CKR_KEY_UNEXTRACTABLE, 'C_WrapKey must be refused: the key is not extractable');
    // What the process holds is a name, not a key.
    const sck = key.secureContextKey();
    assert.ok('privateKeyIdentifier' in sck && !('key' in sck));
    assert.match(sck.privateKeyIdentifier, new RegExp(`^pkcs11:token=${token.label};id=(%[0-9a-f]{2}){16};type=private;pin-value=`));
  });

  test('even the engine, logged in with the PIN, can only export a stub with no private value', async () => {
    const key = await newKey();
    const { stdout } = await run('openssl', ['pkey', '-engine', 'pkcs11', '-inform', 'engine', '-in', key.uri, '-passin', `pass:${token.pin}`], {
      env: { ...process.env, PKCS11_MODULE_PATH: SOFTHSM_MODULE, OPENSSL_ENGINES: '/usr/lib/x86_64-linux-gnu/engines-3' },
    });
    const jwk = createPrivateKey(stdout).export({ format: 'jwk' });
    assert.equal(Buffer.from(jwk.d!, 'base64url').every((b) => b === 0), true, 'the exported private scalar must be all zeros');
  });

  test('signs a CSR inside the token that verifies and carries the SPIFFE ID as a critical SAN', async () => {
    const key = await newKey();
    const csr = await key.createCsr(SPIFFE);
    const dir = fs.mkdtempSync(path.join(token.dir, 'csr-'));
    fs.writeFileSync(path.join(dir, 'csr.pem'), csr);
    const { stdout, stderr } = await run('openssl', ['req', '-in', path.join(dir, 'csr.pem'), '-verify', '-noout', '-text']);
    assert.match(stdout + stderr, /verify OK/);
    assert.match(stdout, /Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/reviews/);
    assert.match(stdout, /NIST CURVE: P-256/);
    await assert.rejects(key.createCsr('spiffe://cluster.local/ns/a,URI:spiffe://evil/sa/x'), (e: Error) => e instanceof Pkcs11Error && /SPIFFE ID/.test(e.message));
  });

  test('serves mTLS with the token key: openssl s_client completes the handshake both ways', async (t) => {
    const key = await newKey();
    const cert = await ca.issue(await key.createCsr(SPIFFE));
    const srv = await serveMtls(key.secureContextKey(), cert, fs.readFileSync(ca.caCert, 'utf8'));
    t.after(() => srv.close());
    const out = await opensslSClient(srv.port, ca);
    assert.match(out, /CONNECTION ESTABLISHED/);
    assert.match(out, /Verification: OK/);
    assert.match(out, /Signature type: ECDSA/);
    await eventually('the server saw the client certificate', () => (srv.peers.includes('URI:spiffe://cluster.local/ns/default/sa/peer') ? true : undefined));
    // This process signs through SoftHSM2 mapped into it: that is what "in process" means.
    assert.ok(mappedLibraries().some((l) => l.endsWith('libsofthsm2.so')));
  });

  test('a renewal serves with a new token key and the old key is destroyed in the token', async (t) => {
    const first = await newKey();
    const srv = await serveMtls(first.secureContextKey(), await ca.issue(await first.createCsr(SPIFFE)), fs.readFileSync(ca.caCert, 'utf8'));
    t.after(() => srv.close());
    for (let i = 0; i < 2; i++) {
      const next = await newKey();
      const cert = await ca.issue(await next.createCsr(SPIFFE));
      srv.server.setSecureContext({ ...(next.secureContextKey() as { privateKeyEngine: string; privateKeyIdentifier: string }), cert, ca: fs.readFileSync(ca.caCert, 'utf8') });
      const previous = keys[keys.indexOf(next) - 1]!;
      await previous.close();
      assert.equal((await probe(previous)).found, false, 'the old key must be gone from the token');
      const out = await opensslSClient(srv.port, ca).catch((e: Error) => assert.fail(`renewal ${i}: ${e.message}; server: ${srv.errors.join('; ')}`));
      assert.match(out, /Verification: OK/);
    }
    assert.throws(() => first.secureContextKey(), /closed/);
  });

  test('RSA_2048 keys work the same way', async (t) => {
    const key = await newKey('RSA_2048');
    const p = await probe(key);
    assert.equal(p.sensitive && !p.extractable && p.neverExtractable, true);
    assert.equal(p.wrapRv, CKR_KEY_UNEXTRACTABLE);
    const srv = await serveMtls(key.secureContextKey(), await ca.issue(await key.createCsr(SPIFFE)), fs.readFileSync(ca.caCert, 'utf8'));
    t.after(() => srv.close());
    assert.match(await opensslSClient(srv.port, ca), /Signature type: RSA-PSS/);
  });

  test('no file on disk holds a workload key', async () => {
    const workloadKeys: KeyObject[] = [];
    for (const key of keys) {
      // The public half, from a CSR the token signs, identifies the private half.
      try {
        workloadKeys.push(createPublicKey(certFromCsrPublicKey(await key.createCsr(SPIFFE))));
      } catch {
        // closed keys cannot sign any more; they are checked by the probe above
      }
    }
    assert.ok(workloadKeys.length >= 3);
    const candidates = [...filesModifiedSince(os.tmpdir(), started), ...filesModifiedSince(process.cwd(), started, [path.join(process.cwd(), 'node_modules'), path.join(process.cwd(), 'dist'), path.join(process.cwd(), '.git')])];
    assert.ok(candidates.some((f) => f.startsWith(token.tokenDir)), 'the scan covers the token store');
    for (const file of candidates) {
      const found = privateKeysIn(file);
      for (const priv of found) {
        const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
        for (const pub of workloadKeys) assert.ok(!spki.equals(pub.export({ type: 'spki', format: 'der' })), `${file} holds a workload private key`);
      }
    }
  });
});

/** The SubjectPublicKeyInfo of a PEM CSR, as a PEM public key. */
function certFromCsrPublicKey(csrPem: string): string {
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  // CertificationRequest ::= SEQUENCE { info SEQUENCE { version INTEGER, subject Name, spki SubjectPublicKeyInfo, ... } ... }
  let at = 0;
  const header = (): { start: number; len: number } => {
    at++; // tag
    let len = der[at++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | der[at++]!;
    }
    return { start: at, len };
  };
  header(); // request
  header(); // info
  const version = header();
  at = version.start + version.len;
  const subject = header();
  at = subject.start + subject.len;
  const spkiStart = at;
  const spki = header();
  const body = der.subarray(spkiStart, spki.start + spki.len);
  return `-----BEGIN PUBLIC KEY-----\n${body.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

/** Every private key a file holds in a format OpenSSL reads without a passphrase (PEM or DER). */
function privateKeysIn(file: string): KeyObject[] {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return [];
  }
  if (data.length > 1_000_000) return [];
  const out: KeyObject[] = [];
  const attempts: (() => KeyObject)[] = [
    () => createPrivateKey({ key: data, format: 'pem' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'sec1' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'pkcs1' }),
  ];
  for (const attempt of attempts) {
    try {
      out.push(attempt());
      break;
    } catch {
      // not this format
    }
  }
  return out;
}
