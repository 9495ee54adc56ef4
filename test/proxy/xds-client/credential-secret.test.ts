// Gateway credentials over SDS as the proxy takes them: a `kubernetes://` Secret may carry a
// certificate and key (any other name may not: the workload key is made in the proxy); bad PEM is
// NACKed with a reason that never quotes the material; and the names a listener's or cluster's
// TLS contexts refer to are the ones the client subscribes to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { downstreamTls } from '../../../src/control/translate/gateway-tls.js';
import { clusterCredentialNames, decodeSecret, listenerCredentialNames } from '../../../src/proxy/xds-client/index.js';
import { makePki, type IssuedCert, type Pki } from '../upstream/tls-certs.js';

let pki: Pki;
let cert: IssuedCert;

before(async () => {
  pki = await makePki('SDS CA');
  cert = await pki.issue('gw', ['DNS:gw.example.com']);
});
after(() => pki?.close());

const bytes = (text: string | Buffer) => ({ inline_bytes: Buffer.from(text).toString('base64') });

function decode(name: string, value: Record<string, unknown>) {
  return decodeSecret(encodeResource({ name, typeUrl: TYPE_URL.SECRET, value: { name, ...value } }));
}

test('a credential\'s certificate and key are accepted under a kubernetes:// name, and only there', async () => {
  const [chain, key] = await Promise.all([readFile(cert.cert, 'utf8'), readFile(cert.key, 'utf8')]);
  const ok = decode('kubernetes://gw', { tls_certificate: { certificate_chain: bytes(chain), private_key: bytes(key) } });
  assert.ok('value' in ok, 'error' in ok ? ok.error : '');
  assert.deepEqual(ok.value, { name: 'kubernetes://gw', tlsCertificate: { chainPem: chain, keyPem: key } });
  const ca = decode('kubernetes://gw-cacert', { validation_context: { trusted_ca: bytes(await readFile(pki.ca.cert)) } });
  assert.ok('value' in ca && ca.value.trustedCaPem?.includes('BEGIN CERTIFICATE'));
  const elsewhere = decode('default', { tls_certificate: { certificate_chain: bytes(chain), private_key: bytes(key) } });
  assert.ok('error' in elsewhere);
  assert.match(elsewhere.error, /tls_certificate: is not accepted from the control plane: the proxy makes its own key/);
});

test('bad material is rejected naming the field, never quoting it', async () => {
  const chain = await readFile(cert.cert, 'utf8');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ tls_certificate: { certificate_chain: bytes('SECRET-NOT-PEM'), private_key: bytes('x') } }, /tls_certificate\.certificate_chain: holds no PEM certificate/],
    [{ tls_certificate: { certificate_chain: bytes(chain), private_key: bytes('SECRET-NOT-A-KEY') } }, /tls_certificate\.private_key: is not a PEM private key/],
    [{ tls_certificate: { certificate_chain: { filename: '/etc/c.pem' }, private_key: bytes('x') } }, /certificate_chain: must be inline_bytes or inline_string/],
    [{ tls_certificate: { certificate_chain: bytes(chain), private_key: bytes('x'), password: bytes('pw') } }, /tls_certificate\.password: is not supported/],
  ];
  for (const [value, reason] of cases) {
    const d = decode('kubernetes://gw', value);
    assert.ok('error' in d, `accepted ${JSON.stringify(value)}`);
    assert.match(d.error, reason);
    assert.ok(!d.error.includes('SECRET-NOT'), d.error);
  }
});

test('the credential names a Gateway listener and a cluster refer to', () => {
  const listener = {
    filter_chains: [
      { transport_socket: downstreamTls({ mode: 'MUTUAL', credentialName: 'shop' }) },
      { transport_socket: downstreamTls({ mode: 'SIMPLE', serverCertificate: '/c.pem', privateKey: '/k.pem' }) },
      { transport_socket: downstreamTls({ mode: 'ISTIO_MUTUAL' }) },
      {},
    ],
    default_filter_chain: { transport_socket: downstreamTls({ mode: 'SIMPLE', credentialNames: ['rsa', 'ec'] }) },
  };
  assert.deepEqual(listenerCredentialNames(JSON.parse(JSON.stringify(listener))), ['kubernetes://ec', 'kubernetes://rsa', 'kubernetes://shop', 'kubernetes://shop-cacert']);
  const tls = (name: string) => ({ name: 'envoy.transport_sockets.tls', typed_config: { common_tls_context: { tls_certificate_sds_secret_configs: [{ name }] } } });
  assert.deepEqual(clusterCredentialNames({ transport_socket: tls('kubernetes://egress'), transport_socket_matches: [{ transport_socket: tls('default') }] }), ['kubernetes://egress']);
  assert.deepEqual(clusterCredentialNames({}), []);
});
