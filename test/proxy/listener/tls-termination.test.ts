// Reading a filter chain's downstream TLS: what our control plane emits for Gateway server TLS
// modes (encoded and decoded as on the wire), the inline forms other control planes send, and
// every setting the proxy refuses — so the listener is NACKed rather than serving with less
// checking than it was told to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerTLSSettings } from '../../../src/api/networking/gateway.js';
import { downstreamTls, GATEWAY_HANDSHAKE_TIMEOUT } from '../../../src/control/translate/gateway-tls.js';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import type { HttpFilterFactory } from '../../../src/proxy/http/filter.js';
import { readNetworkChain } from '../../../src/proxy/listener/network-chain.js';
import { TCP_PROXY_TYPE_URL } from '../../../src/proxy/listener/tcp-proxy.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DOWNSTREAM_TLS_CONTEXT_TYPE, readDownstreamTls, type DownstreamTlsSettings } from '../../../src/proxy/listener/tls-termination.js';
import type { ClusterManager } from '../../../src/proxy/upstream/cluster-manager.js';
import { decodeListener } from '../../../src/proxy/xds-client/index.js';

const HTTP_ALPN = ['h2', 'http/1.1'];
const TCP_PROXY = { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE_URL, stat_prefix: 'tcp', cluster: 'backend' } };

/** A chain as it arrives: the listener encoded and decoded as on the wire. */
function wireChain(chain: Record<string, unknown>): Record<string, unknown> {
  const value = {
    name: '0.0.0.0_443',
    address: { socket_address: { address: '0.0.0.0', port_value: 443 } },
    filter_chains: [{ filters: [TCP_PROXY], ...chain }],
  };
  const decoded = decodeListener(encodeResource({ name: value.name, typeUrl: TYPE_URL.LISTENER, value }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  return (decoded.value.raw.filter_chains as Record<string, unknown>[])[0]!;
}

function fromGateway(tls: ServerTLSSettings): DownstreamTlsSettings | undefined {
  return readDownstreamTls(wireChain({ transport_socket: downstreamTls(tls), transport_socket_connect_timeout: GATEWAY_HANDSHAKE_TIMEOUT }), 'filter_chains[0]', HTTP_ALPN);
}

/** A transport socket with a DownstreamTlsContext built by hand, as another control plane would send. */
function tlsChain(context: Record<string, unknown>): Record<string, unknown> {
  return wireChain({ transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE, ...context } } });
}

const CERT = { tls_certificate_sds_secret_configs: [{ name: 'file-cert:/c/cert.pem~/c/key.pem', sds_config: { ads: {} } }] };

function rejection(chain: Record<string, unknown>): string {
  try {
    readDownstreamTls(chain, 'filter_chains[0]', HTTP_ALPN);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail('the chain was accepted');
}

test('Gateway SIMPLE with files: the file-cert: SDS name, h2 and http/1.1, no client certificate, 15 s handshake', () => {
  const s = fromGateway({ mode: 'SIMPLE', serverCertificate: '/etc/gw/cert.pem', privateKey: '/etc/gw/key.pem' });
  assert.ok(s);
  assert.deepEqual(s.certificates, [{ chain: { filename: '/etc/gw/cert.pem' }, key: { filename: '/etc/gw/key.pem' } }]);
  assert.deepEqual(s.alpn, ['h2', 'http/1.1']);
  assert.equal(s.clientValidation, undefined);
  assert.equal(s.requireClientCertificate, false);
  assert.equal(s.handshakeTimeoutMs, 15_000);
  assert.deepEqual(s.params, {});
});

test('Gateway MUTUAL: the file-root: CA, required client certificate, SANs, pins and CRL from the default context', () => {
  const spki = Buffer.alloc(32, 7).toString('base64');
  const hash = 'ab'.repeat(32);
  const s = fromGateway({
    mode: 'MUTUAL', serverCertificate: '/c/cert.pem', privateKey: '/c/key.pem', caCertificates: '/c/ca.pem', caCrl: '/c/ca.crl',
    subjectAltNames: ['client.example.com'], verifyCertificateSpki: [spki], verifyCertificateHash: [hash],
  });
  assert.ok(s?.clientValidation);
  assert.equal(s.requireClientCertificate, true);
  assert.deepEqual(s.clientValidation.trustedCa, { filename: '/c/ca.pem' });
  assert.deepEqual(s.clientValidation.crl, { filename: '/c/ca.crl' });
  assert.deepEqual(s.clientValidation.sans, [{ type: 'ANY', matcher: { exact: 'client.example.com' } }]);
  assert.deepEqual(s.clientValidation.spkis, [spki]);
  assert.deepEqual(s.clientValidation.hashes, [hash]);
});

test('Gateway OPTIONAL_MUTUAL: a client certificate is asked for and checked, not required', () => {
  const s = fromGateway({ mode: 'OPTIONAL_MUTUAL', serverCertificate: '/c/cert.pem', privateKey: '/c/key.pem', caCertificates: '/c/ca.pem' });
  assert.deepEqual(s?.clientValidation?.trustedCa, { filename: '/c/ca.pem' });
  assert.equal(s?.requireClientCertificate, false);
});

test('Gateway tlsCertificates (an RSA and an ECDSA pair) and protocol versions / cipher suites become tls_params', () => {
  const s = fromGateway({
    mode: 'SIMPLE',
    tlsCertificates: [{ serverCertificate: '/c/rsa.pem', privateKey: '/c/rsa.key' }, { serverCertificate: '/c/ec.pem', privateKey: '/c/ec.key' }],
    minProtocolVersion: 'TLSV1_2', maxProtocolVersion: 'TLSV1_3', cipherSuites: ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  });
  assert.deepEqual(s?.certificates.map((c) => ('chain' in c ? c.chain : undefined)), [{ filename: '/c/rsa.pem' }, { filename: '/c/ec.pem' }]);
  assert.deepEqual(s?.params, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' });
});

test('Gateway credentialName is read from the SDS credential; ISTIO_MUTUAL without an identity is rejected with the reason', () => {
  const credential = readDownstreamTls(wireChain({ transport_socket: downstreamTls({ mode: 'MUTUAL', credentialName: 'shop-cert' }) }), 'filter_chains[0]', HTTP_ALPN);
  assert.deepEqual(credential?.certificates, [{ chain: { credential: 'kubernetes://shop-cert', part: 'chain' }, key: { credential: 'kubernetes://shop-cert', part: 'key' } }]);
  assert.deepEqual(credential?.clientValidation?.trustedCa, { credential: 'kubernetes://shop-cert-cacert', part: 'ca' });
  const mesh = wireChain({ transport_socket: downstreamTls({ mode: 'ISTIO_MUTUAL' }) });
  assert.match(rejection(mesh), /SDS secret "default" \(ISTIO_MUTUAL\): the proxy has no workload identity; start it with --ca-address/);
});

test('no transport_socket, or raw_buffer: plaintext', () => {
  assert.equal(readDownstreamTls(wireChain({}), 'filter_chains[0]', HTTP_ALPN), undefined);
  assert.equal(readDownstreamTls(wireChain({ transport_socket: { name: 'envoy.transport_sockets.raw_buffer' } }), 'filter_chains[0]', HTTP_ALPN), undefined);
});

test('inline certificate and trusted CA, explicit ALPN, require_sni, session settings, handshake timeout', () => {
  const chain = wireChain({
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': DOWNSTREAM_TLS_CONTEXT_TYPE,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { inline_string: 'CERT' }, private_key: { filename: '/k.pem' }, password: { inline_string: 'pw' } }],
          validation_context: { trusted_ca: { inline_string: 'CA' }, match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://td/' } }] },
          alpn_protocols: ['http/1.1'],
        },
        require_sni: { value: true },
        session_timeout: { seconds: 300 },
        disable_stateless_session_resumption: true,
      },
    },
    transport_socket_connect_timeout: { seconds: 3 },
  });
  const s = readDownstreamTls(chain, 'filter_chains[0]', HTTP_ALPN);
  assert.ok(s);
  assert.deepEqual(s.certificates, [{ chain: { inline: Buffer.from('CERT') }, key: { filename: '/k.pem' }, password: { inline: Buffer.from('pw') } }]);
  assert.deepEqual(s.clientValidation?.trustedCa, { inline: Buffer.from('CA') });
  assert.deepEqual(s.clientValidation?.sans, [{ type: 'URI', matcher: { prefix: 'spiffe://td/' } }]);
  assert.equal(s.requireClientCertificate, false);
  assert.deepEqual(s.alpn, ['http/1.1']);
  assert.equal(s.requireSni, true);
  assert.equal(s.sessionTimeoutS, 300);
  assert.equal(s.disableTickets, true);
  assert.equal(s.handshakeTimeoutMs, 3000);
});

test('the ALPN offered by default follows the chain terminal: none for a TCP proxy', () => {
  const chain = tlsChain({ common_tls_context: CERT });
  const deps = { routeTable: () => undefined, clusters: {} as ClusterManager, observer: {}, log: () => {} };
  const built = readNetworkChain(chain, 'filter_chains[0]', new Map<string, HttpFilterFactory>(), deps, 'gateway');
  assert.equal(built.terminal.kind, 'tcp');
  assert.deepEqual(built.tls?.settings.alpn, []);
  assert.equal(built.tls?.settings.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS);
  // The files do not exist: the chain is built, and refuses handshakes with the reason.
  assert.match(built.tls?.failure ?? '', /cannot read certificate chain \/c\/cert\.pem: ENOENT/);
});

test('what the proxy cannot honour is rejected, naming the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ common_tls_context: {} }, /tls_certificates: a TLS-terminating chain needs a certificate/],
    [{ common_tls_context: { ...CERT, validation_context_sds_secret_config: { name: 'ROOTCA' } } }, /SDS secret "ROOTCA" \(ISTIO_MUTUAL\): the proxy has no workload identity/],
    [{ common_tls_context: { ...CERT, validation_context_sds_secret_config: { name: 'file-cert:/a~/b' } } }, /is a certificate, but this field wants a validation context/],
    [{ common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'vault://x' }] } }, /the proxy resolves only file-cert/],
    [{ common_tls_context: CERT, require_client_certificate: { value: true } }, /require_client_certificate: needs a validation context/],
    [{ common_tls_context: { ...CERT, validation_context: { match_subject_alt_names: [{ exact: 'a' }] } } }, /without a trusted CA are not supported/],
    [{ common_tls_context: { ...CERT, validation_context: { trusted_ca: { filename: '/ca' }, trust_chain_verification: 'ACCEPT_UNTRUSTED' } } }, /trust_chain_verification: ACCEPT_UNTRUSTED is not supported/],
    [{ common_tls_context: { ...CERT, validation_context: { trusted_ca: { filename: '/ca' }, allow_expired_certificate: true } } }, /allow_expired_certificate: is not supported/],
    [{ common_tls_context: { ...CERT, validation_context: { trusted_ca: { filename: '/ca' }, only_verify_leaf_cert_crl: true } } }, /only_verify_leaf_cert_crl/],
    [{ common_tls_context: { ...CERT, validation_context: { system_root_certs: {} } } }, /system_root_certs: client certificates are verified against trusted_ca/],
    [{ common_tls_context: { ...CERT, validation_context: { trusted_ca: { filename: '/ca' }, verify_certificate_hash: ['nothex'] } } }, /verify_certificate_hash\[0\]: "nothex" is not a SHA-256 hash/],
    [{ common_tls_context: { ...CERT, validation_context: { trusted_ca: { filename: '/ca' }, match_subject_alt_names: [{ safe_regex: { regex: '(' } }] } } }, /is not a valid RE2 regex/],
    [{ common_tls_context: { ...CERT, tls_certificate_provider_instance: { instance_name: 'default' } } }, /tls_certificate_provider_instance: certificate providers are for proxyless gRPC/],
    [{ common_tls_context: { ...CERT, tls_params: { cipher_suites: ['[A|B]'] } } }, /equal-preference groups/],
    [{ common_tls_context: { ...CERT, tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2' } } }, /below the minimum/],
    [{ common_tls_context: CERT, session_ticket_keys: { keys: [{ inline_string: 'k' }] } }, /session_ticket_keys: is not supported/],
    [{ common_tls_context: CERT, ocsp_staple_policy: 'MUST_STAPLE' }, /ocsp_staple_policy: MUST_STAPLE is not supported/],
    [{ common_tls_context: CERT, full_scan_certs_on_sni_mismatch: { value: true } }, /full_scan_certs_on_sni_mismatch: is not supported/],
  ];
  for (const [context, why] of cases) assert.match(rejection(tlsChain(context)), why, JSON.stringify(context));
  const other = wireChain({ transport_socket: { name: 'envoy.transport_sockets.alts' } });
  assert.match(rejection(other), /filter_chains\[0\]\.transport_socket: envoy\.transport_sockets\.alts is not supported/);
});
