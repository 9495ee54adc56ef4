// The workload identity agent with an in-memory test CA and a manual clock: the CSR it sends
// (SPIFFE URI SAN, signed by a key made for it — checked by openssl too), the secrets it holds,
// when it renews (a share of the lifetime, never at once for a backdated certificate), with a new
// key and its current certificate as credentials, and retries with backoff while the old
// certificate keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.js';
import { FileKeyProvider, IdentityAgent, MeshSecretStore, renewalTime } from '../../../src/proxy/identity/index.js';
import { x509 } from '../../../src/ca/x509.js';
import { ManualClock } from '../../../src/proxy/upstream/clock.js';
import { csrUris, FakeCaService, makeTestCa, uriSans, type TestCa } from './test-ca.js';

const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/cart';
const TTL_MS = 100_000;

interface Rig {
  agent: IdentityAgent;
  store: MeshSecretStore;
  clock: ManualClock;
  ca: FakeCaService;
  testCa: TestCa;
  logs: string[];
}

let sharedCa: TestCa | undefined;

async function rig(opts: { token?: string | undefined; backdateMs?: number; fraction?: number } = {}): Promise<Rig> {
  sharedCa ??= await makeTestCa();
  const clock = new ManualClock(Date.now());
  const ca = new FakeCaService(sharedCa, () => clock.now(), TTL_MS, opts.backdateMs ?? 0);
  const store = new MeshSecretStore();
  const logs: string[] = [];
  const token = 'token' in opts ? opts.token : 'bootstrap-token';
  const agent = new IdentityAgent({
    caAddress: '127.0.0.1:15012',
    caRootPem: sharedCa.rootPem,
    identity: { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' },
    token: () => token,
    certTtlSeconds: TTL_MS / 1000,
    renewFraction: opts.fraction ?? 0.5,
    keyProvider: new FileKeyProvider(),
    store,
    clock,
    backoff: { random: () => 0 },
    requestCertificate: ca.request,
    log: (l) => logs.push(l),
  });
  return { agent, store, clock, ca, testCa: sharedCa, logs };
}

function spki(csrPem: string): string {
  return Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).publicKey.rawData).toString('base64');
}

test('the first certificate: a CSR for the SPIFFE ID, the bootstrap token, `default` and a root held in memory, then ready', async (t) => {
  const r = await rig();
  t.after(() => r.agent.close());
  assert.equal(r.agent.isReady, false);
  r.agent.start();
  await r.agent.ready();
  const req = r.ca.requests[0]!;
  assert.equal(req.token, 'bootstrap-token');
  assert.equal(req.clientCert, undefined);
  assert.equal(req.validitySeconds, 100);
  assert.equal(req.address, '127.0.0.1:15012');
  const csr = new x509.Pkcs10CertificateRequest(req.csrPem);
  assert.equal(await csr.verify(), true);
  assert.deepEqual(csrUris(csr), [SPIFFE]);
  assert.equal(csr.subject, '');
  const cert = r.store.workloadCertificate!;
  assert.equal(cert.spiffeId, SPIFFE);
  assert.deepEqual(uriSans(cert.chainPem), [SPIFFE]);
  assert.equal(cert.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 1, 'the root is not part of `default`');
  assert.ok('key' in cert.key && cert.key.key.includes('BEGIN PRIVATE KEY'));
  // The certificate is for the key the CSR was signed with.
  assert.equal(createPublicKey(cert.key.key).export({ type: 'spki', format: 'der' }).toString('base64'), spki(req.csrPem));
  assert.equal(r.store.rootBundle?.trim(), r.testCa.rootPem.trim(), 'the root at the end of the CA chain stands in for ROOTCA');
  assert.equal(r.store.version('default'), 1);
});

test('openssl reads the CSR: signature verifies, P-256 key, the SPIFFE URI SAN', async (t) => {
  const key = await new FileKeyProvider().newKey('ECDSA_P256');
  t.after(() => key.close());
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-csr-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'req.pem');
  await writeFile(file, await key.createCsr(SPIFFE));
  const out = await new Promise<string>((resolve, reject) => execFile('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout + stderr))));
  assert.match(out, /verify OK/i);
  assert.match(out, /URI:spiffe:\/\/cluster\.local\/ns\/shop\/sa\/cart/);
  assert.match(out, /prime256v1|P-256/);
});

test('renewal: at half the lifetime, with a new key, authenticated by the current certificate', async (t) => {
  const r = await rig();
  t.after(() => r.agent.close());
  r.agent.start();
  await r.agent.ready();
  const first = r.store.workloadCertificate!;
  const issuedAt = r.clock.now();
  // X.509 times have whole seconds: half of what is left of the lifetime as the certificate says it.
  const due = issuedAt + (first.notAfter.getTime() - issuedAt) / 2;
  assert.equal(r.agent.nextAttemptAt, due);
  assert.ok(due > issuedAt + TTL_MS / 2 - 1000 && due <= issuedAt + TTL_MS / 2);
  r.clock.advance(due - issuedAt - 1);
  assert.equal(r.ca.requests.length, 1, 'not before the renewal time');
  r.clock.advance(1);
  await eventually('the renewed certificate', () => (r.store.version('default') === 2 ? true : undefined));
  const renewal = r.ca.requests[1]!;
  assert.equal(renewal.token, undefined);
  assert.equal(renewal.clientCert?.certPem, first.chainPem);
  assert.deepEqual(renewal.clientCert?.key, first.key);
  assert.notEqual(spki(renewal.csrPem), spki(r.ca.requests[0]!.csrPem), 'each certificate gets a new key');
  assert.notEqual(r.store.workloadCertificate!.serial, first.serial);
  assert.equal(r.agent.issued, 2);
});

test('failures are retried with doubling backoff while the old certificate keeps serving', async (t) => {
  const r = await rig();
  t.after(() => r.agent.close());
  r.agent.start();
  await r.agent.ready();
  const held = r.store.workloadCertificate;
  r.ca.failNext = 2;
  r.clock.advance(TTL_MS / 2);
  await eventually('the first failure', () => (r.agent.failures === 1 && r.agent.nextAttemptAt !== undefined ? true : undefined));
  assert.equal(r.agent.nextAttemptAt, r.clock.now() + 1000);
  assert.equal(r.store.workloadCertificate, held, 'the old certificate is still served');
  r.clock.advance(1000);
  await eventually('the second failure', () => (r.agent.failures === 2 ? true : undefined));
  assert.equal(r.agent.nextAttemptAt, r.clock.now() + 2000);
  r.clock.advance(2000);
  await eventually('the renewed certificate', () => (r.store.version('default') === 2 ? true : undefined));
  assert.equal(r.agent.failures, 0);
  assert.equal(r.ca.requests.length, 4);
  assert.match(r.logs.join('\n'), /failed \(attempt 1\): CA unavailable \(test\); retrying in 1000 ms; still serving the certificate valid until/);
});

test('the first certificate is retried until it comes; the proxy is not ready meanwhile', async (t) => {
  const r = await rig();
  t.after(() => r.agent.close());
  r.ca.failNext = 1;
  r.agent.start();
  await eventually('the first failure', () => (r.agent.failures === 1 ? true : undefined));
  assert.equal(r.agent.isReady, false);
  assert.equal(r.store.workloadCertificate, undefined);
  r.clock.advance(1000);
  await r.agent.ready();
  assert.equal(r.ca.requests.length, 2);
  assert.equal(r.ca.requests[1]!.token, 'bootstrap-token');
});

test('ROOTCA from the control plane replaces the stand-in root and is kept across renewals', async (t) => {
  const r = await rig();
  t.after(() => r.agent.close());
  r.agent.start();
  await r.agent.ready();
  const other = await makeTestCa('Next Root');
  const bundle = `${r.testCa.rootPem.trim()}\n${other.rootPem.trim()}\n`;
  r.agent.acceptRootBundle(bundle);
  assert.equal(r.store.rootBundle, bundle);
  assert.equal(r.store.version('ROOTCA'), 2);
  r.clock.advance(TTL_MS / 2);
  await eventually('the renewed certificate', () => (r.store.version('default') === 2 ? true : undefined));
  assert.equal(r.store.rootBundle, bundle);
  // The CA's TLS is trusted by --ca-root and the bundle (a root rotation keeps renewals working).
  assert.ok(r.ca.requests[1]!.rootPem.includes(other.rootPem.trim()));
});

test('a certificate for another identity, or no way to authenticate, is refused with the reason', async (t) => {
  const r = await rig({ token: undefined });
  t.after(() => r.agent.close());
  r.agent.start();
  await eventually('the failure', () => (r.agent.failures === 1 ? true : undefined));
  assert.match(r.logs[0]!, /no bootstrap token: give --token-file FILE or set ISTHMUS_CA_TOKEN/);
  assert.equal(r.ca.requests.length, 0);

  const s = await rig();
  t.after(() => s.agent.close());
  s.ca.request = async (req) => {
    s.ca.requests.push(req);
    return s.testCa.sign(req.csrPem, new Date(s.clock.now()), new Date(s.clock.now() + TTL_MS), 'spiffe://cluster.local/ns/shop/sa/admin');
  };
  (s.agent as unknown as { request: typeof s.ca.request }).request = s.ca.request;
  s.agent.start();
  await eventually('the failure', () => (s.agent.failures === 1 ? true : undefined));
  assert.match(s.logs[0]!, /the CA returned a certificate for spiffe:\/\/cluster\.local\/ns\/shop\/sa\/admin, not spiffe:\/\/cluster\.local\/ns\/shop\/sa\/cart/);
  assert.equal(s.store.workloadCertificate, undefined);
});

test('renewal time: the share of the lifetime from arrival; a backdated notBefore does not renew at once', () => {
  const h = 3600_000;
  assert.equal(renewalTime({ notBefore: 0, notAfter: 24 * h, receivedAt: 0 }, 0.5), 12 * h);
  assert.equal(renewalTime({ notBefore: 0, notAfter: 24 * h, receivedAt: 0 }, 0.8), 19.2 * h);
  // Backdated an hour for clock skew: counted from arrival.
  assert.equal(renewalTime({ notBefore: -h, notAfter: 2 * h, receivedAt: 0 }, 0.5), h);
  // A 1-second certificate still waits the minimum.
  assert.equal(renewalTime({ notBefore: 0, notAfter: 1000, receivedAt: 0 }, 0.5), 1000);
});
