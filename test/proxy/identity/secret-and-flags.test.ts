// The ROOTCA trust bundle as it arrives over ADS (an Envoy Secret), and the proxy command's
// identity flags: what is accepted, and the reason given for what is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { parseTtl, readIdentityFlags } from '../../../src/proxy/identity/index.js';
import { decodeSecret } from '../../../src/proxy/xds-client/index.js';
import { makeTestCa } from './test-ca.js';

function secret(value: Record<string, unknown>) {
  return decodeSecret(encodeResource({ name: 'ROOTCA', typeUrl: TYPE_URL.SECRET, value: { name: 'ROOTCA', ...value } }));
}

const bytes = (text: string) => ({ inline_bytes: Buffer.from(text).toString('base64') });

test('ROOTCA: PEM roots are accepted; anything else is rejected with the reason (the response is NACKed)', async () => {
  const [a, b] = await Promise.all([makeTestCa('Root A'), makeTestCa('Root B')]);
  const ok = secret({ validation_context: { trusted_ca: bytes(`${a.rootPem}\n${b.rootPem}`) } });
  assert.ok('value' in ok, 'error' in ok ? ok.error : '');
  assert.equal(ok.value.trustedCaPem?.match(/BEGIN CERTIFICATE/g)?.length, 2);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ validation_context: { trusted_ca: bytes('not a certificate') } }, /Secret "ROOTCA": validation_context.trusted_ca: holds no PEM certificate/],
    [{ validation_context: { trusted_ca: bytes(`${a.rootPem}\ngarbage`) } }, /holds something other than PEM certificates/],
    [{ validation_context: { trusted_ca: bytes('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----') } }, /certificate #1 does not parse/],
    [{ validation_context: { trusted_ca: { filename: '/etc/ca.pem' } } }, /must be inline_bytes or inline_string/],
    [{ tls_certificate: { certificate_chain: bytes(a.rootPem) } }, /tls_certificate: is not accepted from the control plane: the proxy makes its own key/],
    [{}, /validation_context: is missing/],
  ];
  for (const [value, reason] of cases) {
    const d = secret(value);
    assert.ok('error' in d, `accepted ${JSON.stringify(value)}`);
    assert.match(d.error, reason);
  }
});

test('identity flags: defaults, and each mistake named with its flag', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-flags-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = join(dir, 'root.pem');
  const tokenFile = join(dir, 'token');
  await writeFile(root, (await makeTestCa()).rootPem);
  await writeFile(tokenFile, 'jwt-from-file\n');
  const workload = { namespace: 'shop', serviceAccount: 'cart' };
  assert.equal(readIdentityFlags({}, workload), undefined);
  const s = readIdentityFlags({ 'ca-address': '127.0.0.1:15012', 'ca-root': root }, workload, { ISTHMUS_CA_TOKEN: 'jwt-from-env' })!;
  assert.deepEqual({ ...s, token: s.token(), caRootPem: undefined }, {
    caAddress: '127.0.0.1:15012', caRootPem: undefined, identity: { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' },
    token: 'jwt-from-env', certTtlSeconds: 86400, renewFraction: 0.5, keyProvider: 'file',
  });
  const f = readIdentityFlags({ 'ca-address': 'ca:15012', 'ca-root': root, 'token-file': tokenFile, 'cert-ttl': '1h30m', 'renew-fraction': '0.8', 'trust-domain': 'example.org' }, workload)!;
  assert.equal(f.token(), 'jwt-from-file');
  assert.equal(f.certTtlSeconds, 5400);
  assert.equal(f.renewFraction, 0.8);
  assert.equal(f.identity.trustDomain, 'example.org');
  const bad: [Record<string, string>, RegExp][] = [
    [{ 'cert-ttl': '1h' }, /--cert-ttl needs --ca-address HOST:PORT/],
    [{ 'ca-address': 'nohost' }, /--ca-address must be HOST:PORT/],
    [{ 'ca-address': 'ca:1' }, /--ca-address needs --ca-root FILE/],
    [{ 'ca-address': 'ca:1', 'ca-root': join(dir, 'missing.pem') }, /--ca-root .*missing.pem cannot be read: ENOENT/],
    [{ 'ca-address': 'ca:1', 'ca-root': tokenFile }, /--ca-root .* holds no PEM certificate/],
    [{ 'ca-address': 'ca:1', 'ca-root': root, 'cert-ttl': '1d' }, /--cert-ttl takes a duration such as 24h/],
    [{ 'ca-address': 'ca:1', 'ca-root': root, 'renew-fraction': '1.5' }, /--renew-fraction must be a number above 0 and below 1.*not "1.5"/],
    [{ 'ca-address': 'ca:1', 'ca-root': root, 'private-key-provider': 'hsm' }, /--private-key-provider must be one of file, pkcs11, not "hsm"/],
    [{ 'ca-address': 'ca:1', 'ca-root': root, 'trust-domain': 'Bad Domain' }, /--trust-domain "Bad Domain" must be lower-case/],
    [{ 'ca-address': 'ca:1', 'ca-root': root, 'token-file': join(dir, 'nope') }, /--token-file .*nope cannot be read/],
  ];
  for (const [values, reason] of bad) assert.throws(() => readIdentityFlags(values, workload), reason, JSON.stringify(values));
  assert.equal(parseTtl('24h'), 86400);
  assert.equal(parseTtl('30s'), 30);
});
