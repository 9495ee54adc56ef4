// PeerAuthentication → a sidecar's inbound filter chains: STRICT (mTLS only), PERMISSIVE (mTLS
// chosen by Istio's mesh ALPN, plaintext beside it), DISABLE (plaintext), with Istio's precedence
// (workload > namespace > mesh, oldest first, UNSET inherits, portLevelMtls per port). A sidecar
// without a mesh identity keeps its plaintext chains whatever the policy says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshConfigSpec } from '../../../src/api/mesh/mesh-config.js';
import { changeForResource, next } from '../../../src/control/model/change.js';
import { affects } from '../../../src/control/model/change.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { MESH_MTLS_ALPN } from '../../../src/control/translate/inbound-tls.js';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { resolveMeshConfig } from '../../../src/api/mesh/resolve.js';
import { proxy, resources, service, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const TLS_MODE = { 'security.istio.io/tlsMode': 'istio' };

/** A registered sidecar for workload `web` in `shop`: HTTP on 8080, TCP on 9000. */
function web(labels: Record<string, string> = { app: 'web', ...TLS_MODE }, namespace = 'shop'): ProxyNode {
  return proxy('sidecar', namespace, labels, {
    id: `sidecar~10.2.0.7~web-1.${namespace}~${namespace}.svc.cluster.local`,
    registration: { service: 'web', ports: { http: 8080, tcp: 9000 }, address: '10.2.0.7' },
    serviceAccount: 'web',
  });
}

function pa(name: string, namespace: string, body: string, created = '2024-01-01T00:00:00Z'): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}, creationTimestamp: "${created}"}
spec: ${body}
---
`;
}

function inbound(yaml: string, node = web(), mesh: MeshConfigSpec = {}): Map<number, Fields> {
  const push = world(yaml || pa('none', 'elsewhere', '{}'), { registered: [node], mesh });
  const out = new Map<number, Fields>();
  for (const l of generate(TYPE_URL.LISTENER, node, push)) {
    if (!l.name.startsWith('inbound_')) continue;
    assert.doesNotThrow(() => encodeResource(l), l.name);
    out.set(Number(l.name.split('_').pop()), l.value);
  }
  return out;
}

const chains = (l: Fields | undefined) => (l?.filter_chains ?? []) as Fields[];
const tlsContext = (chain: Fields | undefined) => ((chain?.transport_socket as Fields | undefined)?.typed_config as Fields | undefined);

/** The mode a listener's chains implement. */
function modeOf(l: Fields | undefined): string {
  const cs = chains(l);
  if (cs.length === 1) return cs[0]?.transport_socket ? 'STRICT' : 'DISABLE';
  const mtls = cs.find((c) => (c.filter_chain_match as Fields | undefined)?.application_protocols);
  const plain = cs.find((c) => (c.filter_chain_match as Fields | undefined)?.transport_protocol === 'raw_buffer');
  return mtls?.transport_socket && plain && !plain.transport_socket ? 'PERMISSIVE' : `unexpected: ${JSON.stringify(cs.map((c) => c.filter_chain_match))}`;
}

function modes(yaml: string, node = web(), mesh: MeshConfigSpec = {}): [string, string] {
  const ls = inbound(yaml, node, mesh);
  return [modeOf(ls.get(8080)), modeOf(ls.get(9000))];
}

describe('PeerAuthentication → inbound chains of a sidecar with a mesh identity', () => {
  it('no policy: PERMISSIVE — an mTLS chain chosen by mesh ALPN, a plaintext chain, the TLS inspector', () => {
    const l = inbound('').get(8080);
    const [mtls, plain, ...rest] = chains(l);
    assert.equal(rest.length, 0);
    assert.deepEqual(mtls?.filter_chain_match, { transport_protocol: 'tls', application_protocols: [...MESH_MTLS_ALPN] });
    assert.deepEqual(plain?.filter_chain_match, { transport_protocol: 'raw_buffer' });
    assert.equal(plain?.transport_socket, undefined);
    // Both chains serve the app with the same HCM.
    assert.deepEqual(mtls?.filters, plain?.filters);
    assert.deepEqual((l?.listener_filters as Fields[]).map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
  });

  it('the mTLS chain: workload certificate `default`, peers checked against `ROOTCA`, client certificate required, h2 + http/1.1', () => {
    const ctx = tlsContext(chains(inbound('').get(8080))[0]) as Fields;
    assert.equal(ctx['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
    const common = ctx.common_tls_context as Fields;
    assert.deepEqual((common.tls_certificate_sds_secret_configs as Fields[]).map((s) => s.name), ['default']);
    const combined = common.combined_validation_context as Fields;
    assert.equal((combined.validation_context_sds_secret_config as Fields).name, 'ROOTCA');
    assert.deepEqual(common.alpn_protocols, ['h2', 'http/1.1']);
    assert.deepEqual(ctx.require_client_certificate, { value: true });
  });

  it('a TCP port also offers istio-peer-exchange and passes other TLS (the app\'s own) through in plaintext mode', () => {
    const cs = chains(inbound('').get(9000));
    assert.deepEqual(cs.map((c) => c.filter_chain_match), [
      { transport_protocol: 'tls', application_protocols: [...MESH_MTLS_ALPN] },
      { transport_protocol: 'raw_buffer' },
      { transport_protocol: 'tls' },
    ]);
    assert.deepEqual((tlsContext(cs[0])?.common_tls_context as Fields).alpn_protocols, ['istio-peer-exchange', 'h2', 'http/1.1']);
    assert.equal(cs[2]?.transport_socket, undefined);
    assert.equal(((cs[0]?.filters as Fields[])[0] as Fields).name, 'envoy.filters.network.tcp_proxy');
  });

  it('the ALPN a mesh client sends (DestinationRule ISTIO_MUTUAL, tls.ts) selects the PERMISSIVE mTLS chain', () => {
    const yaml = `${service('api', 'shop')}apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: shop}
spec: {host: api, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}
`;
    const push = world(yaml);
    const [cluster] = generate(TYPE_URL.CLUSTER, proxy('sidecar', 'shop'), push, ['outbound|9080||api.shop.svc.cluster.local']);
    const upstream = ((cluster?.value.transport_socket as Fields).typed_config as Fields).common_tls_context as Fields;
    const alpn = upstream.alpn_protocols as string[];
    assert.ok(alpn.length > 0 && alpn.every((p) => MESH_MTLS_ALPN.includes(p)), `client ALPN ${alpn.join(',')}`);
  });

  it('mesh-wide STRICT (root namespace, no selector): one mTLS chain, no inspector needed', () => {
    const ls = inbound(pa('default', 'isthmus-system', '{mtls: {mode: STRICT}}'));
    assert.deepEqual(modeOf(ls.get(8080)), 'STRICT');
    assert.equal(ls.get(8080)?.listener_filters, undefined);
    assert.equal(chains(ls.get(8080))[0]?.filter_chain_match, undefined);
    assert.equal(modeOf(ls.get(9000)), 'STRICT');
  });

  it('MeshConfig rootNamespace decides where the mesh-wide policy lives', () => {
    const yaml = pa('default', 'istio-system', '{mtls: {mode: STRICT}}');
    assert.deepEqual(modes(yaml), ['PERMISSIVE', 'PERMISSIVE']);
    assert.deepEqual(modes(yaml, web(), { rootNamespace: 'istio-system' }), ['STRICT', 'STRICT']);
  });

  it('namespace DISABLE overrides mesh STRICT: the plaintext chain of a sidecar without identity, unchanged', () => {
    const yaml = pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}') + pa('ns', 'shop', '{mtls: {mode: DISABLE}}');
    const withIdentity = inbound(yaml);
    const without = inbound(yaml, web({ app: 'web' }));
    assert.deepEqual(modes(yaml), ['DISABLE', 'DISABLE']);
    assert.deepEqual(withIdentity.get(8080), without.get(8080));
    assert.deepEqual(withIdentity.get(9000), without.get(9000));
  });

  it('a namespace policy applies only in its namespace; UNSET inherits the mesh policy', () => {
    assert.deepEqual(modes(pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}') + pa('other', 'billing', '{mtls: {mode: DISABLE}}')), ['STRICT', 'STRICT']);
    assert.deepEqual(modes(pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}') + pa('ns', 'shop', '{mtls: {mode: UNSET}}')), ['STRICT', 'STRICT']);
    assert.deepEqual(modes(pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}') + pa('ns', 'shop', '{}')), ['STRICT', 'STRICT']);
  });

  it('a workload policy (selector matches) overrides the namespace policy; one that does not match is ignored', () => {
    const ns = pa('ns', 'shop', '{mtls: {mode: STRICT}}');
    assert.deepEqual(modes(ns + pa('web', 'shop', '{selector: {matchLabels: {app: web}}, mtls: {mode: PERMISSIVE}}')), ['PERMISSIVE', 'PERMISSIVE']);
    assert.deepEqual(modes(ns + pa('api', 'shop', '{selector: {matchLabels: {app: api}}, mtls: {mode: DISABLE}}')), ['STRICT', 'STRICT']);
  });

  it('a selector policy in the root namespace is not mesh-wide: it selects nothing in other namespaces', () => {
    assert.deepEqual(modes(pa('mesh-web', 'isthmus-system', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}}')), ['PERMISSIVE', 'PERMISSIVE']);
  });

  it('portLevelMtls overrides one port; the rest of the workload inherits', () => {
    const yaml = pa('ns', 'shop', '{mtls: {mode: STRICT}}')
      + pa('web', 'shop', '{selector: {matchLabels: {app: web}}, portLevelMtls: {9000: {mode: DISABLE}}}');
    assert.deepEqual(modes(yaml), ['STRICT', 'DISABLE']);
    const permissive = pa('web', 'shop', '{selector: {matchLabels: {app: web}}, mtls: {mode: DISABLE}, portLevelMtls: {8080: {mode: PERMISSIVE}}}');
    assert.deepEqual(modes(permissive), ['PERMISSIVE', 'DISABLE']);
  });

  it('portLevelMtls UNSET inherits the workload-level mode (itself inherited from the namespace)', () => {
    const yaml = pa('ns', 'shop', '{mtls: {mode: DISABLE}}')
      + pa('web', 'shop', '{selector: {matchLabels: {app: web}}, portLevelMtls: {8080: {mode: UNSET}, 9000: {mode: STRICT}}}');
    assert.deepEqual(modes(yaml), ['DISABLE', 'STRICT']);
  });

  it('among policies at one level the oldest wins (creationTimestamp, then name)', () => {
    const yaml = pa('newer', 'shop', '{mtls: {mode: DISABLE}}', '2024-06-01T00:00:00Z') + pa('older', 'shop', '{mtls: {mode: STRICT}}', '2024-01-01T00:00:00Z');
    assert.deepEqual(modes(yaml), ['STRICT', 'STRICT']);
    const workloads = pa('b', 'shop', '{selector: {matchLabels: {app: web}}, mtls: {mode: DISABLE}}', '2024-06-01T00:00:00Z')
      + pa('a', 'shop', '{selector: {matchLabels: {app: web}}, mtls: {mode: STRICT}}', '2024-06-01T00:00:00Z');
    assert.deepEqual(modes(workloads), ['STRICT', 'STRICT']);
  });

  it('a sidecar without a mesh identity keeps today\'s plaintext chain whatever the policy', () => {
    const node = web({ app: 'web' });
    const none = inbound('', node);
    const strict = inbound(pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}'), node);
    assert.deepEqual(modes('', node), ['DISABLE', 'DISABLE']);
    assert.deepEqual(strict.get(8080), none.get(8080));
    assert.equal(strict.get(8080)?.listener_filters, undefined);
  });
});

describe('PeerAuthentication changes reach the proxies they affect', () => {
  it('next() rebuilds the index, and every sidecar and gateway (not proxyless clients) is pushed', () => {
    const node = web();
    const before = world(service('api', 'shop'), { registered: [node] });
    const strict = resources(pa('mesh', 'isthmus-system', '{mtls: {mode: STRICT}}'))[0]!;
    const change = changeForResource(undefined, strict);
    const after = next(before, { resources: [...before.resources, strict], registry: before.registry, mesh: resolveMeshConfig({}) }, change);
    assert.equal(before.peerAuthenticationMode('shop', node.labels, 8080), 'PERMISSIVE');
    assert.equal(after.peerAuthenticationMode('shop', node.labels, 8080), 'STRICT');
    assert.equal(affects(change, node, after), true);
    assert.equal(affects(change, proxy('router', 'shop', { istio: 'ingressgateway' }), after), true);
    assert.equal(affects(change, proxy('proxyless', 'shop'), after), false);
  });
});
