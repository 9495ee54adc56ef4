// A user-supplied intermediate (with its root in the same file, like Istio's cacerts): workload
// chains verify to the user's root, which alone is the trust bundle.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { requestCertificate, startCa } from '../../src/ca/index.js';
import { makeCsr, openssl, tempDir, verifyChain, x509Text } from './openssl.js';

async function userCa(dir: string): Promise<{ rootPem: string; chainFile: string; keyFile: string }> {
  await writeFile(`${dir}/ext.cnf`, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n');
  await openssl(['req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-keyout', `${dir}/root.key`, '-out', `${dir}/root.pem`, '-subj', '/O=Example/CN=Example Root', '-days', '30']);
  await openssl(['req', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', `${dir}/int.key`, '-out', `${dir}/int.csr`, '-subj', '/O=Example/CN=Example Mesh Intermediate']);
  await openssl(['x509', '-req', '-in', `${dir}/int.csr`, '-CA', `${dir}/root.pem`, '-CAkey', `${dir}/root.key`, '-CAcreateserial', '-out', `${dir}/int.pem`, '-days', '10', '-extfile', `${dir}/ext.cnf`]);
  const rootPem = await readFile(`${dir}/root.pem`, 'utf8');
  await writeFile(`${dir}/ca-chain.pem`, (await readFile(`${dir}/int.pem`, 'utf8')) + rootPem);
  return { rootPem, chainFile: `${dir}/ca-chain.pem`, keyFile: `${dir}/int.key` };
}

test('workload certificates from a user intermediate verify to the user root', async (t) => {
  const dir = await tempDir(t);
  const user = await userCa(dir);
  const ca = await startCa({ caDir: `${dir}/ca`, port: 0, caCertFile: user.chainFile, caKeyFile: user.keyFile, trustDomain: 'example.org' });
  t.after(() => ca.close());
  assert.equal(ca.trustBundlePem().trim(), user.rootPem.trim(), 'the bundle is the user root alone');
  assert.equal((await readFile(`${dir}/ca/root-cert.pem`, 'utf8')).trim(), user.rootPem.trim());
  const { csrPem } = await makeCsr(dir, 'w', 'ec', 'spiffe://example.org/ns/shop/sa/cart');
  const chain = await requestCertificate({ address: `127.0.0.1:${ca.port}`, rootPem: ca.trustBundlePem(), csrPem, token: await ca.mintToken('shop', 'cart', 60) });
  assert.equal(chain.length, 3, 'leaf, intermediate, root');
  assert.match(await verifyChain(dir, user.rootPem, chain), /: OK/);
  assert.match(await x509Text(dir, chain[0]!), /Issuer: O ?= ?Example, CN ?= ?Example Mesh Intermediate/);
  await assert.rejects(ca.rotateRoot(1000), /self-signed roots only/);
});

test('bad user CA files are refused with the flag and the fix', async (t) => {
  const dir = await tempDir(t);
  const user = await userCa(dir);
  const start = (caCertFile: string, caKeyFile: string) => startCa({ caDir: `${dir}/ca`, port: 0, caCertFile, caKeyFile });
  await assert.rejects(start(user.chainFile, `${dir}/root.key`), /--ca-key .* is not the key of the first certificate/);
  await assert.rejects(start(`${dir}/int.pem`, user.keyFile), /not a self-signed root; append the root certificate/);
  await assert.rejects(start(`${dir}/root.pem`.replace('root', 'missing'), user.keyFile), /--ca-cert .*cannot read/);
  await writeFile(`${dir}/weak.key`, await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']));
  await assert.rejects(start(user.chainFile, `${dir}/weak.key`), /1024 bits is too weak/);
});
