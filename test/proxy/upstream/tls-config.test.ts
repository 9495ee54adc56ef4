// Reading a cluster's upstream TLS: what our control plane emits for DestinationRule TLS modes
// (encoded and decoded as on the wire), the inline forms other control planes send, and every
// setting the proxy refuses rather than silently sending plaintext or skipping a check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamTls } from '../../../src/control/translate/tls.js';
import type { ClientTLSSettings } from '../../../src/api/networking/destination-rule.js';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { decodeCluster, type ClusterConfig } from '../../../src/proxy/xds-client/index.js';
import { checkCluster } from '../../../src/proxy/upstream/check-cluster.js';
import { readUpstreamTls, TlsOrigination, UPSTREAM_TLS_CONTEXT_TYPE } from '../../../src/proxy/upstream/tls-origination.js';

const TARGET = { host: 'svc.default.svc.cluster.local', port: 443, subset: '', subjectAltNames: [] as string[] };

function cluster(fields: Record<string, unknown>): ClusterConfig {
  const value = { name: 'outbound|443||svc', type: 'STATIC', ...fields };
  const decoded = decodeCluster(encodeResource({ name: value.name, typeUrl: TYPE_URL.CLUSTER, value }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  return decoded.value;
}

function fromDestinationRule(tls: ClientTLSSettings, sans: string[] = []): ClusterConfig {
  return cluster({ transport_socket: upstreamTls(tls, { ...TARGET, subjectAltNames: sans }, 'sidecar') });
}

/** A transport socket with an UpstreamTlsContext built by hand, as another control plane would send. */
function tlsSocket(context: Record<string, unknown>): Record<string, unknown> {
  return { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, ...context } } };
}

function rejection(c: ClusterConfig): string {
  try {
    checkCluster(c);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('the cluster was accepted');
}

test('DestinationRule SIMPLE with caCertificates and sni: SNI, the CA file as a local SDS root, typed SAN matchers', () => {
  const c = fromDestinationRule({ mode: 'SIMPLE', caCertificates: '/etc/certs/ca.pem', sni: 'api.example.com' }, ['api.example.com', 'spiffe://td/ns/a/sa/b']);
  const s = readUpstreamTls(c.raw);
  assert.ok(s);
  assert.equal(s.sni, 'api.example.com');
  assert.deepEqual(s.alpn, []);
  assert.equal(s.certificate, undefined);
  assert.deepEqual(s.validation?.trustedCa, { filename: '/etc/certs/ca.pem' });
  assert.deepEqual(s.validation?.sans, [
    { type: 'DNS', matcher: { exact: 'api.example.com' } },
    { type: 'URI', matcher: { exact: 'spiffe://td/ns/a/sa/b' } },
  ]);
  // File material is checked when connecting, not at CDS time: the cluster is accepted.
  assert.doesNotThrow(() => checkCluster(c));
});

test('DestinationRule MUTUAL: the client certificate and key come from the file-cert: SDS name', () => {
  const s = readUpstreamTls(fromDestinationRule({ mode: 'MUTUAL', clientCertificate: '/c/cert.pem', privateKey: '/c/key.pem', caCertificates: '/c/ca.pem' }).raw);
  assert.deepEqual(s?.certificate, { chain: { filename: '/c/cert.pem' }, key: { filename: '/c/key.pem' } });
  assert.deepEqual(s?.validation?.trustedCa, { filename: '/c/ca.pem' });
});

test('SIMPLE without caCertificates, or insecureSkipVerify: TLS without verifying the server (as Envoy)', () => {
  for (const tls of [{ mode: 'SIMPLE' }, { mode: 'SIMPLE', insecureSkipVerify: true }] as ClientTLSSettings[]) {
    const s = readUpstreamTls(fromDestinationRule(tls, ['ignored.example.com']).raw);
    assert.ok(s, 'still TLS');
    assert.equal(s.validation, undefined);
    assert.equal(s.sni, '');
  }
});

test('DISABLE and raw_buffer are plaintext; no transport socket is plaintext', () => {
  assert.equal(upstreamTls({ mode: 'DISABLE' }, TARGET, 'sidecar'), undefined);
  assert.equal(readUpstreamTls(cluster({}).raw), undefined);
  assert.equal(readUpstreamTls(cluster({ transport_socket: { name: 'envoy.transport_sockets.raw_buffer' } }).raw), undefined);
});

test('ISTIO_MUTUAL is NACKed on a proxy without a workload identity, naming --ca-address', () => {
  const c = fromDestinationRule({ mode: 'ISTIO_MUTUAL' });
  assert.match(rejection(c), /SDS secret "default" \(ISTIO_MUTUAL\): the proxy has no workload identity; start it with --ca-address/);
  // A cluster built anyway (no check) fails its connections instead of sending plaintext.
  const origination = TlsOrigination.fromCluster(c.raw);
  assert.match(origination?.failure ?? '', /start it with --ca-address/);
  origination?.close();
});

test('credentialName is read from the SDS credential; until it arrives, connections fail with the reason (never plaintext)', () => {
  const c = fromDestinationRule({ mode: 'SIMPLE', credentialName: 'api-cert' });
  assert.deepEqual(readUpstreamTls(c.raw)?.validation?.trustedCa, { credential: 'kubernetes://api-cert-cacert', part: 'ca' });
  const origination = TlsOrigination.fromCluster(c.raw);
  assert.match(origination?.failure ?? '', /SDS secret "kubernetes:\/\/api-cert-cacert": not received from the control plane yet/);
  origination?.close();
});

test('inline tls_certificates and validation_context: filename, inline_string, inline_bytes, environment_variable', () => {
  process.env.ISTHMUS_TEST_KEY = 'key-from-env';
  const s = readUpstreamTls(cluster(tlsSocket({
    sni: 'db.internal',
    common_tls_context: {
      alpn_protocols: ['h2', 'http/1.1'],
      tls_certificates: [{ certificate_chain: { inline_string: 'CHAIN' }, private_key: { environment_variable: 'ISTHMUS_TEST_KEY' }, password: { inline_bytes: Buffer.from('pw').toString('base64') } }],
      validation_context: {
        trusted_ca: { filename: '/ca.pem' },
        match_subject_alt_names: [{ suffix: '.internal' }],
        verify_certificate_hash: ['AB:'.repeat(31) + 'AB'],
      },
      tls_params: { tls_minimum_protocol_version: 'TLSv1_3', cipher_suites: ['ECDHE-ECDSA-AES128-GCM-SHA256'], ecdh_curves: ['X25519', 'P-256'] },
    },
  })).raw);
  assert.ok(s);
  assert.equal(s.sni, 'db.internal');
  assert.deepEqual(s.alpn, ['h2', 'http/1.1']);
  const cert = s.certificate as { chain: { inline: Buffer }; key: { inline: Buffer }; password: { inline: Buffer } };
  assert.equal(cert.chain.inline.toString(), 'CHAIN');
  assert.equal(cert.key.inline.toString(), 'key-from-env');
  assert.equal(cert.password.inline.toString(), 'pw');
  assert.deepEqual(s.validation, { trustedCa: { filename: '/ca.pem' }, sans: [{ type: 'ANY', matcher: { suffix: '.internal' } }], hashes: ['ab'.repeat(32)], spkis: [] });
  assert.deepEqual(s.params, { minVersion: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ecdhCurve: 'X25519:P-256' });
  delete process.env.ISTHMUS_TEST_KEY;
});

test('inline material is config: a CA that is not a certificate NACKs the cluster', () => {
  const c = cluster(tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { inline_string: 'not a certificate' } } } }));
  assert.match(rejection(c), /inline trusted CA holds no PEM certificate/);
});

test('settings the proxy cannot honour are NACKed with the field and the reason', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ transport_socket_matches: [{ name: 'm', match: {}, transport_socket: { name: 'envoy.transport_sockets.alts' } }] }, /transport_socket_matches\[0\].transport_socket: envoy.transport_sockets.alts is not supported/],
    [{ transport_socket: { name: 'envoy.transport_sockets.alts' } }, /transport_socket: envoy.transport_sockets.alts is not supported/],
    [tlsSocket({ common_tls_context: { validation_context: { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'a' } }] } } }), /SAN matching without a trusted CA is insecure/],
    [tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { filename: '/ca' }, trust_chain_verification: 'ACCEPT_UNTRUSTED' } } }), /trust_chain_verification: ACCEPT_UNTRUSTED is not supported/],
    [tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { filename: '/ca' }, match_typed_subject_alt_names: [{ san_type: 'OTHER_NAME', matcher: { exact: 'a' } }] } } }), /san_type: OTHER_NAME is not supported/],
    [tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { filename: '/ca' }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { safe_regex: { regex: '(' } } }] } } }), /safe_regex.regex: is not a valid RE2 regex/],
    [tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { filename: '/ca' }, crl: { filename: '/crl' } } } }), /validation_context.crl: is not supported/],
    [tlsSocket({ common_tls_context: { tls_certificate_provider_instance: { instance_name: 'default' } } }), /certificate providers are for proxyless gRPC/],
    [tlsSocket({ common_tls_context: { tls_certificates: [{ certificate_chain: { filename: '/a' }, private_key: { filename: '/b' } }], tls_certificate_sds_secret_configs: [{ name: 'file-cert:/a~/b' }] } }), /more than one is configured/],
    [tlsSocket({ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'file-root:/ca' }] } }), /is a root certificate, but this field wants a certificate/],
    [tlsSocket({ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'file-cert:/only-cert' }] } }), /must be file-cert:<certificate file>~<private key file>/],
    [tlsSocket({ common_tls_context: { validation_context_sds_secret_config: { name: 'some-secret' } } }), /the proxy resolves only file-cert:<cert>~<key> and file-root:<ca> names itself/],
    [tlsSocket({ common_tls_context: { tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2' } } }), /TLSv1.2 is below the minimum TLSv1.3/],
    [tlsSocket({ common_tls_context: { validation_context: { trusted_ca: { filename: '/ca' }, verify_certificate_hash: ['abc'] } } }), /verify_certificate_hash\[0\]: "abc" is not a SHA-256 hash/],
    [{ ...tlsSocket({}), typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', upstream_http_protocol_options: { auto_sni: true }, explicit_http_config: { http_protocol_options: {} },
    } } }, /upstream_http_protocol_options.auto_sni: is not supported/],
  ];
  for (const [fields, reason] of cases) assert.match(rejection(cluster(fields)), reason);
});

test('an unreadable certificate file leaves the cluster up but failing, with the file and error named', () => {
  const c = fromDestinationRule({ mode: 'SIMPLE', caCertificates: '/nonexistent/isthmus-ca.pem' });
  assert.doesNotThrow(() => checkCluster(c));
  const origination = TlsOrigination.fromCluster(c.raw);
  assert.equal(origination?.failure, 'TLS_error: cannot read trusted CA /nonexistent/isthmus-ca.pem: ENOENT');
  assert.throws(() => origination!.connectOptions('http/1.1'), /ENOENT/);
  origination?.close();
});
