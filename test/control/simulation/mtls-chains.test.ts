// Simulation of connections against generated listeners, with the proxy's own filter-chain
// selection (src/proxy/listener/filter-chain-match.ts): which chain a mesh client's ClientHello,
// a plaintext client and an application's own TLS land on, for each PeerAuthentication mode; and
// which backend a gateway passes an SNI name through to. The client's ALPN is read from the
// cluster the manager generates for a client sidecar, so both ends are the manager's output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import type { PushContext } from '../../../src/control/model/push-context.js';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { readChainMatch, selectChain, type ConnectionFacts } from '../../../src/proxy/listener/filter-chain-match.js';
import { proxy, service, world } from '../model/world.js';
import { encodeAll } from './simulate.js';

type Fields = Record<string, unknown>;

const TLS_MODE = { 'security.istio.io/tlsMode': 'istio' };

function server(namespace = 'shop'): ProxyNode {
  return proxy('sidecar', namespace, { app: 'web', ...TLS_MODE }, {
    id: `sidecar~10.2.0.7~web-1.${namespace}~${namespace}.svc.cluster.local`,
    registration: { service: 'web', ports: { http: 8080, tcp: 9000 }, address: '10.2.0.7' },
    serviceAccount: 'web',
  });
}

function pa(body: string, namespace = 'shop'): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p, namespace: ${namespace}}
spec: ${body}
---
`;
}

/** What a connection to the listener on `port` lands on: `mtls` (terminated), `as-is` (bytes forwarded untouched), or `closed`. */
function land(push: PushContext, node: ProxyNode, port: number, facts: Omit<ConnectionFacts, 'destinationPort'>): string {
  const listener = generate(TYPE_URL.LISTENER, node, push).find((l) => l.name === `inbound_10.2.0.7_${port}`)?.value;
  assert.ok(listener, `no inbound listener on ${port}`);
  const chains = listener.filter_chains as Fields[];
  const i = selectChain(chains.map(readChainMatch), { destinationPort: port, ...facts });
  if (i < 0) return 'closed';
  const chain = chains[i] as Fields;
  return chain.transport_socket ? 'mtls' : 'as-is';
}

/** The ALPN a client sidecar with identity offers when it calls `web` (auto mTLS). */
function meshClientAlpn(push: PushContext): string[] {
  const client = proxy('sidecar', 'shop', { app: 'client', ...TLS_MODE });
  const [cluster] = generate(TYPE_URL.CLUSTER, client, push, ['outbound|8080||web.shop.svc.cluster.local']);
  const matches = cluster?.value.transport_socket_matches as Fields[] | undefined;
  assert.ok(matches, 'the client cluster has no transport_socket_matches');
  const ctx = ((matches[0]?.transport_socket as Fields).typed_config as Fields).common_tls_context as Fields;
  return ctx.alpn_protocols as string[];
}

describe('simulated connections to a sidecar with a mesh identity', () => {
  const node = server();
  const worlds = {
    PERMISSIVE: world(service('api', 'shop'), { registered: [node] }),
    STRICT: world(pa('{mtls: {mode: STRICT}}'), { registered: [node] }),
    DISABLE: world(pa('{mtls: {mode: DISABLE}}'), { registered: [node] }),
  };
  const alpn = meshClientAlpn(worlds.PERMISSIVE);
  type Facts = Omit<ConnectionFacts, 'destinationPort'>;
  const mesh: Facts = { transportProtocol: 'tls', serverName: 'outbound_.8080_._.web.shop.svc.cluster.local', alpn };
  const plain: Facts = { transportProtocol: 'raw_buffer' };
  const appTls: Facts = { transportProtocol: 'tls', serverName: 'web.example.com', alpn: ['h2', 'http/1.1'] };

  it('every generated resource passes the xDS encoder for server, client and gateway with identity', () => {
    for (const push of Object.values(worlds)) {
      assert.ok(encodeAll(push, node) > 0);
      assert.ok(encodeAll(push, proxy('sidecar', 'shop', { app: 'client', ...TLS_MODE })) > 0);
      assert.ok(encodeAll(push, proxy('router', 'shop', { istio: 'ingressgateway', ...TLS_MODE })) > 0);
    }
  });

  it('PERMISSIVE: a mesh client gets mTLS, a plaintext client plaintext, on the same port', () => {
    assert.equal(land(worlds.PERMISSIVE, node, 8080, mesh), 'mtls');
    assert.equal(land(worlds.PERMISSIVE, node, 8080, plain), 'as-is');
    assert.equal(land(worlds.PERMISSIVE, node, 9000, mesh), 'mtls');
    assert.equal(land(worlds.PERMISSIVE, node, 9000, plain), 'as-is');
  });

  it('PERMISSIVE: an application\'s own TLS is passed through on a TCP port and refused on an HTTP port', () => {
    assert.equal(land(worlds.PERMISSIVE, node, 9000, appTls), 'as-is');
    assert.equal(land(worlds.PERMISSIVE, node, 8080, appTls), 'closed');
  });

  it('STRICT: every connection meets the mTLS chain, so plaintext fails its handshake', () => {
    assert.equal(land(worlds.STRICT, node, 8080, mesh), 'mtls');
    assert.equal(land(worlds.STRICT, node, 8080, plain), 'mtls');
    assert.equal(land(worlds.STRICT, node, 9000, plain), 'mtls');
  });

  it('DISABLE: plaintext only (a mesh client\'s TLS meets the plaintext chain and fails)', () => {
    assert.equal(land(worlds.DISABLE, node, 8080, plain), 'as-is');
    assert.equal(land(worlds.DISABLE, node, 8080, mesh), 'as-is');
  });

  it('a client calling a namespace DISABLEd by PeerAuthentication sends plaintext (no auto mTLS)', () => {
    const client = proxy('sidecar', 'shop', { app: 'client', ...TLS_MODE });
    const [cluster] = generate(TYPE_URL.CLUSTER, client, worlds.DISABLE, ['outbound|8080||web.shop.svc.cluster.local']);
    assert.equal(cluster?.value.transport_socket_matches, undefined);
    assert.equal(cluster?.value.transport_socket, undefined);
  });
});

describe('simulated TLS connections to a gateway passthrough port', () => {
  const push = world(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: ['*.example.com'], tls: {mode: PASSTHROUGH}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pass, namespace: default}
spec:
  hosts: ['*.example.com']
  gateways: [edge]
  tls:
    - match: [{sniHosts: [shop.example.com]}]
      route: [{destination: {host: shop, port: {number: 8443}}}]
    - match: [{sniHosts: ['*.example.com']}]
      route: [{destination: {host: apps, port: {number: 8443}}}]
`);
  const router = proxy('router', 'default', { istio: 'ingressgateway' });
  const listener = generate(TYPE_URL.LISTENER, router, push).find((l) => l.name === '0.0.0.0_443')?.value as Fields;
  const chains = listener.filter_chains as Fields[];
  const backend = (serverName: string | undefined): string | undefined => {
    const i = selectChain(chains.map(readChainMatch), { destinationPort: 443, transportProtocol: 'tls', ...(serverName ? { serverName } : {}) });
    if (i < 0) return undefined;
    return (((chains[i]?.filters as Fields[])[0] as Fields).typed_config as Fields).cluster as string;
  };

  it('an exact SNI name beats the wildcard; other names under it take the wildcard\'s backend', () => {
    assert.equal(backend('shop.example.com'), 'outbound|8443||shop.default.svc.cluster.local');
    assert.equal(backend('blog.example.com'), 'outbound|8443||apps.default.svc.cluster.local');
  });

  it('no SNI, or a name no route claims: the connection is closed', () => {
    assert.equal(backend(undefined), undefined);
    assert.equal(backend('shop.example.org'), undefined);
  });
});
