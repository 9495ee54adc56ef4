// Gateway PASSTHROUGH servers → SNI-matched tcp_proxy chains from VirtualService `tls:` routes
// (no termination, no certificate), beside terminating HTTPS servers on the same port; and
// ISTIO_MUTUAL servers terminating with the gateway's mesh identity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, service, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 443, name: tls-pass, protocol: TLS}
      hosts: [shop.example.com, '*.apps.example.com', other.example.com]
      tls: {mode: PASSTHROUGH}
    - port: {number: 443, name: https-term, protocol: HTTPS}
      hosts: [admin.example.com]
      tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}
    - port: {number: 8443, name: https-pass, protocol: HTTPS}
      hosts: ['*']
      tls: {mode: PASSTHROUGH}
    - port: {number: 9443, name: tls-unbound, protocol: TLS}
      hosts: [nobody.example.com]
      tls: {mode: PASSTHROUGH}
    - port: {number: 15443, name: https-mesh, protocol: HTTPS}
      hosts: [mesh.example.com]
      tls: {mode: ISTIO_MUTUAL}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  hosts: [shop.example.com, '*.apps.example.com', outside.example.org]
  gateways: [edge]
  tls:
    - match: [{sniHosts: [shop.example.com], port: 443}]
      route: [{destination: {host: shop, port: {number: 8443}}}]
    - match: [{sniHosts: ['*.apps.example.com', outside.example.org]}]
      route:
        - {destination: {host: apps, port: {number: 8443}}, weight: 80}
        - {destination: {host: apps, subset: canary, port: {number: 8443}}, weight: 20}
    - match: [{sniHosts: [shop.example.com], port: 8443}]
      route: [{destination: {host: never}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: late, namespace: default, creationTimestamp: "2024-06-01T00:00:00Z"}
spec:
  hosts: [shop.example.com, other.example.com, any.example.net]
  gateways: [edge]
  tls:
    - match: [{sniHosts: [shop.example.com]}]
      route: [{destination: {host: late}}]
    - match: [{sniHosts: [other.example.com], gateways: [default/elsewhere]}]
      route: [{destination: {host: late}}]
    - match: [{sniHosts: [any.example.net]}]
      route: [{destination: {host: late, port: {number: 8443}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: ['*.example.com']
  gateways: [edge]
  http: [{directResponse: {status: 200}}]
---
${service('shop', 'default', 8443, ['v1'], 'tls')}${service('apps', 'default', 8443, ['v1'], 'tls')}${service('late', 'default', 8443, ['v1'], 'tls')}`;

describe('Gateway PASSTHROUGH servers', () => {
  const push = world(GATEWAY);
  const router = proxy('router', 'default', { istio: 'ingressgateway' });
  const listeners = generate(TYPE_URL.LISTENER, router, push);
  const listener = (name: string) => listeners.find((l) => l.name === name)?.value;
  const chains = (name: string) => ((listener(name)?.filter_chains ?? []) as Fields[]);
  const tcpProxy = (chain: Fields | undefined) => (((chain?.filters as Fields[])[0] as Fields).typed_config as Fields);

  it('every listener encodes with real Envoy fields', () => {
    for (const l of listeners) assert.doesNotThrow(() => encodeResource(l), l.name);
  });

  it('one chain per SNI claim, matched by server_names alone, behind the TLS inspector; the terminating HTTPS server keeps its chain', () => {
    const l = listener('0.0.0.0_443') as Fields;
    assert.deepEqual((l.listener_filters as Fields[]).map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
    assert.deepEqual(chains('0.0.0.0_443').map((c) => c.filter_chain_match), [
      { server_names: ['admin.example.com'], transport_protocol: 'tls' },
      { server_names: ['shop.example.com'] },
      { server_names: ['*.apps.example.com'] },
    ]);
  });

  it('no termination: a passthrough chain has no transport_socket and forwards with tcp_proxy to the route\'s cluster', () => {
    const shop = chains('0.0.0.0_443')[1];
    assert.equal(shop?.transport_socket, undefined);
    assert.equal(((shop?.filters as Fields[])[0] as Fields).name, 'envoy.filters.network.tcp_proxy');
    assert.deepEqual(tcpProxy(shop).cluster, 'outbound|8443||shop.default.svc.cluster.local');
  });

  it('weighted destinations become weighted_clusters; SNI names outside the server\'s hosts are dropped', () => {
    assert.deepEqual(tcpProxy(chains('0.0.0.0_443')[2]).weighted_clusters, { clusters: [
      { name: 'outbound|8443||apps.default.svc.cluster.local', weight: 80 },
      { name: 'outbound|8443|canary|apps.default.svc.cluster.local', weight: 20 },
    ] });
  });

  it('the oldest VirtualService claims an SNI name first; matches for another port or another gateway do not apply', () => {
    const clusters = chains('0.0.0.0_443').map((c) => JSON.stringify(tcpProxy(c)));
    assert.ok(clusters.every((c) => !c.includes('late')), clusters.join('\n'));
  });

  it('an HTTPS server in PASSTHROUGH mode on a `*` host takes every SNI name its routes claim', () => {
    const cs = chains('0.0.0.0_8443');
    assert.deepEqual(cs.map((c) => c.filter_chain_match), [
      { server_names: ['*.apps.example.com', 'outside.example.org'] },
      { server_names: ['shop.example.com'] },
      { server_names: ['any.example.net'] },
    ]);
    // A destination without a port or a known service takes the server's port.
    assert.equal(tcpProxy(cs[1]).cluster, 'outbound|8443||never.default.svc.cluster.local');
    assert.equal(tcpProxy(cs[2]).cluster, 'outbound|8443||late.default.svc.cluster.local');
  });

  it('a passthrough port no route binds gets no listener (Envoy rejects a listener without chains)', () => {
    assert.equal(listener('0.0.0.0_9443'), undefined);
  });

  it('passthrough ports get no HTTP route table', () => {
    const names = generate(TYPE_URL.ROUTE, router, push).map((r) => r.name).sort();
    assert.deepEqual(names, ['http.15443', 'http.443']);
  });
});

describe('Gateway ISTIO_MUTUAL servers', () => {
  const push = world(GATEWAY);
  const router = proxy('router', 'default', { istio: 'ingressgateway' });
  const l = generate(TYPE_URL.LISTENER, router, push).find((r) => r.name === '0.0.0.0_15443')?.value as Fields;

  it('terminate with the gateway\'s workload certificate, require a client certificate checked against the mesh root', () => {
    const [chain] = l.filter_chains as Fields[];
    assert.deepEqual(chain?.filter_chain_match, { server_names: ['mesh.example.com'], transport_protocol: 'tls' });
    const ctx = (chain?.transport_socket as Fields).typed_config as Fields;
    const common = ctx.common_tls_context as Fields;
    assert.deepEqual((common.tls_certificate_sds_secret_configs as Fields[]).map((s) => s.name), ['default']);
    assert.equal(((common.combined_validation_context as Fields).validation_context_sds_secret_config as Fields).name, 'ROOTCA');
    assert.deepEqual(common.alpn_protocols, ['h2', 'http/1.1']);
    assert.deepEqual(ctx.require_client_certificate, { value: true });
  });
});
