// Gateway HTTPS servers → TLS-terminating filter chains: one chain per server matched by its
// SNI names, a DownstreamTlsContext in Istio's shape with certificates by SDS name (files as
// `file-cert:`/`file-root:`, credentials as `kubernetes://`), checked against the Envoy protos.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
    - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], tls: {httpsRedirect: true}}
    - port: {number: 443, name: https-shop, protocol: HTTPS}
      hosts: [shop.example.com, 'default/*.shop.example.com']
      tls: {mode: SIMPLE, serverCertificate: /etc/gw/shop.pem, privateKey: /etc/gw/shop.key, minProtocolVersion: TLSV1_2, cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256]}
    - port: {number: 443, name: https-admin, protocol: HTTPS}
      hosts: [admin.example.com]
      tls: {mode: MUTUAL, serverCertificate: /etc/gw/admin.pem, privateKey: /etc/gw/admin.key, caCertificates: /etc/gw/ca.pem, subjectAltNames: [ops.example.com]}
    - port: {number: 443, name: https-cred, protocol: HTTPS}
      hosts: [cred.example.com]
      tls: {mode: SIMPLE, credentialName: cred-cert}
    - port: {number: 8443, name: https-any, protocol: HTTPS}
      hosts: ['*']
      tls: {mode: OPTIONAL_MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: ['*.example.com']
  gateways: [edge]
  http:
    - directResponse: {status: 200}
`;

describe('Gateway TLS termination', () => {
  const push = world(GATEWAY);
  const router = proxy('router', 'default', { istio: 'ingressgateway' });
  const listeners = generate(TYPE_URL.LISTENER, router, push);
  const chains = (name: string) => ((listeners.find((l) => l.name === name)?.value.filter_chains ?? []) as Fields[]);
  const context = (chain: Fields | undefined) => ((chain?.transport_socket as Fields).typed_config as Fields);
  const sdsNames = (list: unknown) => (list as { name: string }[]).map((s) => s.name);

  it('every listener encodes with real Envoy fields', () => {
    for (const l of listeners) assert.doesNotThrow(() => encodeResource(l), l.name);
  });

  it('one chain per HTTPS server, matched by its SNI names (wildcards kept), behind the TLS inspector', () => {
    const l443 = listeners.find((l) => l.name === '0.0.0.0_443')?.value as Fields;
    assert.deepEqual((l443.listener_filters as Fields[]).map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
    assert.deepEqual(chains('0.0.0.0_443').map((c) => c.filter_chain_match), [
      { server_names: ['*.shop.example.com', 'shop.example.com'], transport_protocol: 'tls' },
      { server_names: ['admin.example.com'], transport_protocol: 'tls' },
      { server_names: ['cred.example.com'], transport_protocol: 'tls' },
    ]);
    for (const c of chains('0.0.0.0_443')) assert.deepEqual(c.transport_socket_connect_timeout, { seconds: 15, nanos: 0 });
  });

  it('SIMPLE with files: file-cert: SDS name, h2 + http/1.1, no client certificate, tls_params', () => {
    const ctx = context(chains('0.0.0.0_443')[0]);
    assert.equal(ctx['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
    const common = ctx.common_tls_context as Fields;
    assert.deepEqual(sdsNames(common.tls_certificate_sds_secret_configs), ['file-cert:/etc/gw/shop.pem~/etc/gw/shop.key']);
    assert.deepEqual(common.alpn_protocols, ['h2', 'http/1.1']);
    assert.equal(common.combined_validation_context, undefined);
    assert.deepEqual(common.tls_params, { tls_minimum_protocol_version: 'TLSv1_2', cipher_suites: ['ECDHE-ECDSA-AES128-GCM-SHA256'] });
    assert.deepEqual(ctx.require_client_certificate, { value: false });
  });

  it('MUTUAL with files: file-root: CA in a combined validation context with the SANs, client certificate required', () => {
    const ctx = context(chains('0.0.0.0_443')[1]);
    const common = ctx.common_tls_context as Fields;
    const combined = common.combined_validation_context as Fields;
    assert.deepEqual((combined.validation_context_sds_secret_config as Fields).name, 'file-root:/etc/gw/ca.pem');
    assert.deepEqual(combined.default_validation_context, { match_subject_alt_names: [{ exact: 'ops.example.com' }] });
    assert.deepEqual(ctx.require_client_certificate, { value: true });
  });

  it('credentialName keeps the kubernetes:// SDS name', () => {
    const common = context(chains('0.0.0.0_443')[2]).common_tls_context as Fields;
    assert.deepEqual(sdsNames(common.tls_certificate_sds_secret_configs), ['kubernetes://cred-cert']);
  });

  it('a `*` server matches on transport only; OPTIONAL_MUTUAL asks for, but does not require, a client certificate', () => {
    const [chain] = chains('0.0.0.0_8443');
    assert.deepEqual(chain?.filter_chain_match, { transport_protocol: 'tls' });
    const ctx = context(chain);
    assert.equal(((ctx.common_tls_context as Fields).combined_validation_context as { validation_context_sds_secret_config: Fields }).validation_context_sds_secret_config.name, 'file-root:/ca.pem');
    assert.deepEqual(ctx.require_client_certificate, { value: false });
  });

  it('the plain HTTP server keeps its own chain and its httpsRedirect (require_tls)', () => {
    const [plain] = chains('0.0.0.0_80');
    assert.equal(plain?.transport_socket, undefined);
    const [rc] = generate(TYPE_URL.ROUTE, router, push, ['http.80']);
    assert.ok((rc?.value.virtual_hosts as Fields[]).every((v) => v.require_tls === 'ALL'));
  });
});
