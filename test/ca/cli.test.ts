// The CA as users run it: `isthmus control-plane` starts it (port printed), `isthmus ca token`
// mints a bootstrap token, and a CSR is signed with it against the bundle file.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { requestCertificate } from '../../src/ca/index.js';
import { runCli } from '../helpers/cli.js';
import { startIsthmus } from '../helpers/process.js';
import { makeCsr, tempDir, verifyChain } from './openssl.js';

test('control-plane runs the CA; a token from `isthmus ca token` gets a certificate', async (t) => {
  const dir = await tempDir(t);
  const caDir = `${dir}/ca`;
  const cp = startIsthmus(['control-plane', '--config-dir', `${dir}/config`, '--xds-port', '0', '--monitoring-port', '0', '--ca-dir', caDir, '--ca-port', '0', '--trust-domain', 'mesh.example']);
  t.after(() => cp.stop());
  const [, port] = await cp.waitForLine(/ca 127\.0\.0\.1:(\d+) trust bundle/);
  await cp.waitForLine(/^ready$/m);
  assert.equal((await stat(`${caDir}/root-key.pem`)).mode & 0o777, 0o600, 'the CA key is owner-only');
  assert.equal((await stat(`${caDir}/token-key.pem`)).mode & 0o777, 0o600);
  const token = await runCli(['ca', 'token', '--ca-dir', caDir, '-n', 'shop', '--service-account', 'cart', '--ttl', '10m']);
  assert.equal(token.code, 0, token.stderr);
  const rootPem = await readFile(`${caDir}/root-cert.pem`, 'utf8');
  const { csrPem } = await makeCsr(dir, 'cart', 'ec', 'spiffe://mesh.example/ns/shop/sa/cart');
  const chain = await requestCertificate({ address: `127.0.0.1:${port}`, rootPem, csrPem, token: token.stdout.trim() });
  assert.match(await verifyChain(dir, rootPem, chain), /: OK/);
  const bundle = await runCli(['ca', 'bundle', '--ca-dir', caDir]);
  assert.equal(bundle.stdout.trim(), rootPem.trim());
});

test('control-plane refuses bad CA flags with exit code 2', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['control-plane', '--config-dir', `${dir}/config`, '--xds-port', '0', '--monitoring-port', '0', '--ca-key-algorithm', 'DSA']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--ca-key-algorithm must be one of ECDSA_P256, RSA_2048, RSA_3072/);
});
