// Root rotation with overlap: both roots trusted during the overlap, the old one dropped after
// it (driven by an injected clock, not by waiting), state kept on disk across restarts, and a
// rotation made by the CLI picked up by a running CA.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { requestCertificate, startCa, type RunningCa } from '../../src/ca/index.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { makeCsr, tempDir, verifyChain } from './openssl.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const roots = (bundle: string) => bundle.match(/BEGIN CERTIFICATE/g)?.length ?? 0;

async function issue(ca: RunningCa, dir: string, name: string): Promise<string[]> {
  const { csrPem } = await makeCsr(dir, name, 'ec', REVIEWS);
  return requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token: await ca.mintToken('default', 'reviews', 600) });
}

test('rotateRoot: old and new roots trusted during the overlap, the old one gone after it; a restart keeps the state', async (t) => {
  const dir = await tempDir(t);
  const caDir = `${dir}/ca`;
  let now = Date.now();
  const clock = () => now;
  const ca = await startCa({ caDir, port: 0, now: clock });
  t.after(() => ca.close());
  const oldRoot = ca.trustBundlePem();
  const before = await issue(ca, dir, 'before');
  const bundles: string[] = [];
  ca.onBundleChange((b) => bundles.push(b));

  await ca.rotateRoot(60_000);
  const during = ca.trustBundlePem();
  assert.equal(roots(during), 2, 'old and new root during the overlap');
  assert.ok(during.endsWith(oldRoot), 'the new root first, the old after it');
  assert.equal(await readFile(`${caDir}/root-cert.pem`, 'utf8'), during, 'the bundle file matches');
  assert.equal(bundles.length, 1);
  const after = await issue(ca, dir, 'after');
  assert.notEqual(after[1], before[1], 'new certificates are signed by the new root');
  // Both generations verify against the published bundle; the new one not against the old root alone.
  assert.match(await verifyChain(dir, during, before), /: OK/);
  assert.match(await verifyChain(dir, during, after), /: OK/);
  await assert.rejects(verifyChain(dir, oldRoot, after));

  // A restart during the overlap keeps both roots and the new signing key.
  await ca.close();
  const again = await startCa({ caDir, port: 0, now: clock });
  t.after(() => again.close());
  assert.equal(again.trustBundlePem(), during);
  const restarted = await issue(again, dir, 'restarted');
  assert.equal(restarted[1], after[1]);

  now += 61_000;
  await again.refresh();
  const end = again.trustBundlePem();
  assert.equal(roots(end), 1, 'the old root left the bundle');
  assert.equal(end, after[1], 'only the new root remains');
  assert.equal(await readFile(`${caDir}/root-cert.pem`, 'utf8'), end);
  await assert.rejects(verifyChain(dir, end, before), 'a certificate of the old root no longer verifies');
});

test('`isthmus ca rotate-root` under a running CA: it reloads without restart; the overlap ends on its own', async (t) => {
  const dir = await tempDir(t);
  const caDir = `${dir}/ca`;
  const ca = await startCa({ caDir, port: 0 });
  t.after(() => ca.close());
  const first = ca.trustBundlePem();
  const r = await runCli(['ca', 'rotate-root', '--ca-dir', caDir, '--overlap', '1500ms']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rotated/);
  await eventually('the running CA picks up the new root', () => (roots(ca.trustBundlePem()) === 2 ? true : undefined));
  const chain = await issue(ca, dir, 'after-cli');
  assert.notEqual(chain[1], first);
  // The overlap's end is a timer in the CA (1.5 s here), polled for rather than slept on.
  await eventually('the old root leaves after the overlap', () => (roots(ca.trustBundlePem()) === 1 ? true : undefined));
  assert.equal(ca.trustBundlePem(), chain[1]);
});

test('rotate-root refuses a user-supplied CA and bad flags', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['ca', 'rotate-root', '--ca-dir', `${dir}/ca`, '--overlap', 'soon']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--overlap takes a duration such as 24h/);
  const token = await runCli(['ca', 'token', '--ca-dir', `${dir}/ca`]);
  assert.equal(token.code, 2);
  assert.match(token.stderr, /--service-account/);
});
