// The CA's gRPC API end to end: CSRs made by openssl, signed over real TLS with real tokens,
// and the certificates judged by openssl.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { mintToken, requestCertificate, startCa, tokenKeys, type RunningCa } from '../../src/ca/index.js';
import { makeCsr, openssl, tempDir, verifyChain, x509Text } from './openssl.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';

async function started(t: { after(fn: () => Promise<void>): void }, extra: Partial<Parameters<typeof startCa>[0]> = {}): Promise<{ ca: RunningCa; dir: string }> {
  const dir = await tempDir(t);
  const ca = await startCa({ caDir: `${dir}/ca`, port: 0, ...extra });
  t.after(() => ca.close());
  return { ca, dir };
}

function rejectsWith(code: status, pattern: RegExp) {
  return (e: unknown) => {
    assert.equal((e as { code: number }).code, code, (e as Error).message);
    assert.match((e as Error).message, pattern);
    return true;
  };
}

test('an ECDSA CSR from openssl is signed for its token identity and verifies with openssl', async (t) => {
  const { ca, dir } = await started(t);
  const { csrPem } = await makeCsr(dir, 'reviews', 'ec', REVIEWS);
  const token = await ca.mintToken('default', 'reviews', 600);
  const chain = await requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token });
  assert.equal(chain.length, 2, 'leaf then the self-signed root');
  assert.match(await verifyChain(dir, ca.trustBundlePem(), chain), /: OK/);
  const text = await x509Text(dir, chain[0]!);
  assert.match(text, new RegExp(`URI:${REVIEWS.replace(/\//g, '\\/')}`));
  assert.match(text, /Digital Signature, Key Encipherment/);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /CA:FALSE/);
  assert.match(text, /X509v3 Subject Key Identifier/);
  assert.match(text, /X509v3 Authority Key Identifier/);
  // Default lifetime 24 h, notBefore backdated for clock skew.
  const leaf = new (await import('../../src/ca/x509.js')).x509.X509Certificate(chain[0]!);
  const life = leaf.notAfter.getTime() - leaf.notBefore.getTime();
  assert.ok(life > 24 * 3600_000 && life <= 24 * 3600_000 + 10 * 60_000, `lifetime ${life} ms`);
  assert.ok(leaf.notBefore.getTime() < Date.now() - 60_000);
});

test('an RSA-2048 CSR is signed; the requested validity is honoured below the cap, capped above it', async (t) => {
  const { ca, dir } = await started(t, { maxWorkloadCertTtlSeconds: 7200 });
  const { csrPem } = await makeCsr(dir, 'rsa', 'rsa2048', REVIEWS);
  const token = await ca.mintToken('default', 'reviews', 600);
  const address = `127.0.0.1:${ca.port}`;
  const short = await requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem, token, validitySeconds: 3600 });
  assert.match(await verifyChain(dir, ca.trustBundlePem(), short), /: OK/);
  assert.match(await x509Text(dir, short[0]!), /Public-Key: \(2048 bit\)/);
  const endDate = async (pem: string) => Date.parse((await x509Text(dir, pem)).match(/Not After : (.+)/)![1]!);
  const shortEnd = await endDate(short[0]!);
  assert.ok(Math.abs(shortEnd - (Date.now() + 3600_000)) < 120_000, 'one hour as requested');
  const long = await requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem, token, validitySeconds: 30 * 86_400 });
  assert.ok(Math.abs((await endDate(long[0]!)) - (Date.now() + 7200_000)) < 120_000, 'capped at the two-hour maximum');
});

test('a token for one identity cannot obtain another: PERMISSION_DENIED naming both', async (t) => {
  const { ca, dir } = await started(t);
  const { csrPem } = await makeCsr(dir, 'ratings', 'ec', RATINGS);
  const token = await ca.mintToken('default', 'reviews', 600);
  await assert.rejects(
    requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token }),
    rejectsWith(status.PERMISSION_DENIED, /sa\/reviews may not obtain a certificate for spiffe:\/\/cluster\.local\/ns\/default\/sa\/ratings/),
  );
});

test('no credential is UNAUTHENTICATED; expired, forged and wrong-audience tokens are refused', async (t) => {
  const { ca, dir } = await started(t);
  const { csrPem } = await makeCsr(dir, 'reviews', 'ec', REVIEWS);
  const call = (token?: string) => requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token });
  await assert.rejects(call(), rejectsWith(status.UNAUTHENTICATED, /no credential/));
  const keys = await tokenKeys(`${dir}/ca`);
  const expired = await mintToken(keys, 'default', 'reviews', 60, Date.now() - 3600_000);
  await assert.rejects(call(expired), rejectsWith(status.UNAUTHENTICATED, /"exp" claim/));
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const forged = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('system:serviceaccount:default:reviews')
    .setAudience('isthmus-ca').setIssuer('isthmus').setExpirationTime('1h').sign(other);
  await assert.rejects(call(forged), rejectsWith(status.UNAUTHENTICATED, /signature verification failed/));
  const wrongAudience = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('system:serviceaccount:default:reviews')
    .setAudience('kubernetes').setIssuer('isthmus').setExpirationTime('1h').sign(keys.privateKey);
  await assert.rejects(call(wrongAudience), rejectsWith(status.UNAUTHENTICATED, /"aud" claim/));
  await assert.rejects(call('not-a-jwt'), rejectsWith(status.UNAUTHENTICATED, /bootstrap token refused/));
});

test('renewal is authenticated by the current certificate alone, for that identity only', async (t) => {
  const { ca, dir } = await started(t);
  const address = `127.0.0.1:${ca.port}`;
  const first = await makeCsr(dir, 'first', 'ec', REVIEWS);
  const chain = await requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem: first.csrPem, token: await ca.mintToken('default', 'reviews', 600) });
  const clientCert = { certPem: chain.join(''), key: { key: first.keyPem } };
  const next = await makeCsr(dir, 'next', 'ec', REVIEWS);
  const renewed = await requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem: next.csrPem, clientCert });
  assert.match(await verifyChain(dir, ca.trustBundlePem(), renewed), /: OK/);
  assert.notEqual(renewed[0], chain[0]);
  const ratings = await makeCsr(dir, 'ratings', 'ec', RATINGS);
  await assert.rejects(
    requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem: ratings.csrPem, clientCert }),
    rejectsWith(status.PERMISSION_DENIED, /sa\/reviews may not obtain a certificate for .*sa\/ratings/),
  );
  // A certificate from a CA the mesh does not trust is no credential at all.
  await openssl(['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', `${dir}/self.key`, '-out', `${dir}/self.pem`,
    '-subj', '/O=x', '-days', '1', '-addext', `subjectAltName=URI:${REVIEWS}`]);
  const { readFile } = await import('node:fs/promises');
  const selfSigned = { certPem: await readFile(`${dir}/self.pem`, 'utf8'), key: { key: createPrivateKey(await readFile(`${dir}/self.key`, 'utf8')).export({ type: 'pkcs8', format: 'pem' }) } };
  await assert.rejects(
    requestCertificate({ address, rootPem: ca.trustBundlePem(), csrPem: next.csrPem, clientCert: selfSigned }),
    rejectsWith(status.UNAUTHENTICATED, /no credential/),
  );
});

test('bad CSRs are INVALID_ARGUMENT naming the problem', async (t) => {
  const { ca, dir } = await started(t);
  const token = await ca.mintToken('default', 'reviews', 600);
  const call = (csrPem: string) => requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token });
  await assert.rejects(call('hello'), rejectsWith(status.INVALID_ARGUMENT, /csr: expected a PEM "CERTIFICATE REQUEST"/));
  await assert.rejects(call('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), rejectsWith(status.INVALID_ARGUMENT, /csr: cannot parse/));
  await assert.rejects(call((await makeCsr(dir, 'nosan', 'ec', undefined)).csrPem), rejectsWith(status.INVALID_ARGUMENT, /no URI SAN; request subjectAltName URI:spiffe:\/\/cluster.local\/ns\/default\/sa\/reviews/));
  await assert.rejects(call((await makeCsr(dir, 'weak', 'rsa1024', REVIEWS)).csrPem), rejectsWith(status.INVALID_ARGUMENT, /1024 bits; use 2048/));
  await assert.rejects(call((await makeCsr(dir, 'p521', 'ec-p521', REVIEWS)).csrPem), rejectsWith(status.INVALID_ARGUMENT, /curve secp521r1/));
  // A CSR whose signature does not match its key: flip a byte inside the signature.
  const good = (await makeCsr(dir, 'tamper', 'ec', REVIEWS)).csrPem;
  const der = Buffer.from(good.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  der[der.length - 5] ^= 0x01;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(call(tampered), rejectsWith(status.INVALID_ARGUMENT, /csr: (its signature|cannot parse)/));
});

test('an RSA-3072 CA signs ECDSA workload keys', async (t) => {
  const { ca, dir } = await started(t, { keyAlgorithm: 'RSA_3072' });
  assert.match(await x509Text(dir, ca.trustBundlePem()), /Public-Key: \(3072 bit\)/);
  const { csrPem } = await makeCsr(dir, 'reviews', 'ec', REVIEWS);
  const chain = await requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token: await ca.mintToken('default', 'reviews', 60) });
  assert.match(await verifyChain(dir, ca.trustBundlePem(), chain), /: OK/);
});
