// Auto mTLS: a client with a mesh identity whose DestinationRule sets no `tls` gets
// transport_socket_matches (ISTIO_MUTUAL for endpoints marked `tlsMode: istio`, plaintext for the
// rest), and the endpoints of workloads with an identity carry that mark — unless the mesh turns
// auto mTLS off, the service is outside the mesh, or PeerAuthentication DISABLEs the servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshConfigSpec } from '../../../src/api/mesh/mesh-config.js';
import { changeForResource, next } from '../../../src/control/model/change.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { generate } from '../../../src/control/translate/generators.js';
import { structToJson } from '../../../src/control/xds/struct.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, resources, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const TLS_MODE = { 'security.istio.io/tlsMode': 'istio' };
const HOST = 'reviews.default.svc.cluster.local';
const CLUSTER = `outbound|9080||${HOST}`;

/** reviews: v1 a sidecar with identity (service account `bookinfo-reviews`), v2 a plain workload. */
function mesh(extra = '', location = 'MESH_INTERNAL'): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: default}
spec:
  hosts: [${HOST}]
  location: ${location}
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}, {number: 7070, name: tcp, protocol: TCP}]
  endpoints:
  - {address: 10.1.0.1, labels: {app: reviews, version: v1, security.istio.io/tlsMode: istio}, serviceAccount: bookinfo-reviews}
  - {address: 10.1.0.2, labels: {app: reviews, version: v2}}
---
${extra}`;
}

const client = (labels: Record<string, string> = { app: 'web', ...TLS_MODE }, type: ProxyNode['type'] = 'sidecar') => proxy(type, 'default', labels);

function clusterOf(yaml: string, node = client(), name = CLUSTER, meshConfig: MeshConfigSpec = {}): Fields {
  const [c] = generate(TYPE_URL.CLUSTER, node, world(yaml, { mesh: meshConfig }), [name]);
  assert.ok(c, `no cluster ${name}`);
  assert.doesNotThrow(() => encodeResource(c));
  return c.value;
}

/** Endpoint address → its `envoy.transport_socket_match` metadata (JSON), or null. */
function endpointMarks(yaml: string, node = client(), name = CLUSTER, meshConfig: MeshConfigSpec = {}): Record<string, unknown> {
  const [cla] = generate(TYPE_URL.ENDPOINT, node, world(yaml, { mesh: meshConfig }), [name]);
  assert.ok(cla, `no endpoints for ${name}`);
  assert.doesNotThrow(() => encodeResource(cla));
  const out: Record<string, unknown> = {};
  for (const group of cla.value.endpoints as Fields[]) {
    for (const lb of group.lb_endpoints as Fields[]) {
      const address = (((lb.endpoint as Fields).address as Fields).socket_address as Fields).address as string;
      const meta = ((lb.metadata as Fields | undefined)?.filter_metadata as Record<string, never> | undefined)?.['envoy.transport_socket_match'];
      out[address] = meta ? structToJson(meta) : null;
    }
  }
  return out;
}

const upstreamContext = (socket: unknown) => ((socket as Fields).typed_config as Fields);

function autoMtls(c: Fields): boolean {
  return Array.isArray(c.transport_socket_matches);
}

function pa(name: string, namespace: string, body: string): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${namespace}}
spec: ${body}
---
`;
}

function dr(trafficPolicy: string, subsets = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: ${trafficPolicy}
${subsets}---
`;
}

describe('auto mTLS: clusters of a client with a mesh identity', () => {
  it('no DestinationRule tls: tlsMode-istio → ISTIO_MUTUAL, tlsMode-disabled → plaintext; no cluster-wide socket', () => {
    const c = clusterOf(mesh());
    assert.equal(c.transport_socket, undefined);
    const matches = c.transport_socket_matches as Fields[];
    assert.deepEqual(matches.map((m) => m.name), ['tlsMode-istio', 'tlsMode-disabled']);
    assert.deepEqual(structToJson(matches[0]?.match as never), { tlsMode: 'istio' });
    assert.deepEqual(structToJson(matches[1]?.match as never), {});
    const raw = matches[1]?.transport_socket as Fields;
    assert.equal(raw.name, 'envoy.transport_sockets.raw_buffer');
    assert.equal((raw.typed_config as Fields)['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer');
  });

  it('the ISTIO_MUTUAL socket: SDS default/ROOTCA, SNI outbound_.port_.subset_.host, the SPIFFE ids of the servers, mesh ALPN', () => {
    const ctx = upstreamContext((clusterOf(mesh()).transport_socket_matches as Fields[])[0]?.transport_socket);
    assert.equal(ctx['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    assert.equal(ctx.sni, `outbound_.9080_._.${HOST}`);
    const common = ctx.common_tls_context as Fields;
    assert.deepEqual((common.tls_certificate_sds_secret_configs as Fields[]).map((s) => s.name), ['default']);
    assert.deepEqual(common.alpn_protocols, ['istio-peer-exchange', 'istio']);
    const combined = common.combined_validation_context as Fields;
    assert.equal((combined.validation_context_sds_secret_config as Fields).name, 'ROOTCA');
    assert.deepEqual((combined.default_validation_context as Fields).match_typed_subject_alt_names,
      [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' } }]);
  });

  it('a subset cluster names its subset in the SNI', () => {
    const yaml = mesh(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}
`);
    const c = clusterOf(yaml, client(), `outbound|9080|v1|${HOST}`);
    assert.equal(upstreamContext((c.transport_socket_matches as Fields[])[0]?.transport_socket).sni, `outbound_.9080_.v1_.${HOST}`);
  });

  it('endpoints of workloads with an identity carry {tlsMode: istio}; the others nothing', () => {
    assert.deepEqual(endpointMarks(mesh()), { '10.1.0.1': { tlsMode: 'istio' }, '10.1.0.2': null });
  });

  it('explicit DestinationRule tls is kept as it is: DISABLE plaintext, SIMPLE and ISTIO_MUTUAL one socket, no marks', () => {
    const disabled = mesh(dr('{tls: {mode: DISABLE}}'));
    assert.equal(autoMtls(clusterOf(disabled)), false);
    assert.equal(clusterOf(disabled).transport_socket, undefined);
    assert.deepEqual(endpointMarks(disabled), { '10.1.0.1': null, '10.1.0.2': null });
    const simple = clusterOf(mesh(dr('{tls: {mode: SIMPLE, sni: reviews.example.com, caCertificates: /etc/ca.pem, subjectAltNames: [reviews.example.com]}}')));
    assert.equal(autoMtls(simple), false);
    const ctx = upstreamContext(simple.transport_socket);
    assert.equal(ctx.sni, 'reviews.example.com');
    assert.deepEqual((((ctx.common_tls_context as Fields).combined_validation_context as Fields).default_validation_context as Fields).match_typed_subject_alt_names,
      [{ san_type: 'DNS', matcher: { exact: 'reviews.example.com' } }]);
    const mutual = clusterOf(mesh(dr('{tls: {mode: ISTIO_MUTUAL, subjectAltNames: [spiffe://cluster.local/ns/default/sa/other]}}')));
    assert.equal(autoMtls(mutual), false);
    assert.equal(upstreamContext(mutual.transport_socket).sni, `outbound_.9080_._.${HOST}`);
  });

  it('a port-level DestinationRule tls applies to that port only; the other port stays automatic', () => {
    const yaml = mesh(dr('{portLevelSettings: [{port: {number: 7070}, tls: {mode: DISABLE}}]}'));
    assert.equal(autoMtls(clusterOf(yaml)), true);
    assert.equal(autoMtls(clusterOf(yaml, client(), `outbound|7070||${HOST}`)), false);
  });

  it('a client without a mesh identity, and proxyless clients, are unchanged: no matches, no marks', () => {
    for (const node of [client({ app: 'web' }), client(TLS_MODE, 'proxyless')]) {
      const c = clusterOf(mesh(), node);
      assert.equal(autoMtls(c), false);
      assert.equal(c.transport_socket, undefined);
      assert.deepEqual(endpointMarks(mesh(), node), { '10.1.0.1': null, '10.1.0.2': null });
    }
  });

  it('a gateway with a mesh identity uses auto mTLS to its backends too', () => {
    const gateway = proxy('router', 'default', { istio: 'ingressgateway', ...TLS_MODE });
    assert.equal(autoMtls(clusterOf(mesh(), gateway)), true);
  });

  it('MeshConfig enableAutoMtls: false turns it off', () => {
    assert.equal(autoMtls(clusterOf(mesh(), client(), CLUSTER, { enableAutoMtls: false })), false);
    assert.deepEqual(endpointMarks(mesh(), client(), CLUSTER, { enableAutoMtls: false }), { '10.1.0.1': null, '10.1.0.2': null });
  });

  it('a MESH_EXTERNAL service never gets it', () => {
    assert.equal(autoMtls(clusterOf(mesh('', 'MESH_EXTERNAL'))), false);
  });

  it('PeerAuthentication DISABLE of the service\'s namespace, or of the mesh, turns it off; a namespace mode overrides the mesh', () => {
    assert.equal(autoMtls(clusterOf(mesh(pa('ns', 'default', '{mtls: {mode: DISABLE}}')))), false);
    assert.equal(autoMtls(clusterOf(mesh(pa('mesh', 'isthmus-system', '{mtls: {mode: DISABLE}}')))), false);
    assert.deepEqual(endpointMarks(mesh(pa('mesh', 'isthmus-system', '{mtls: {mode: DISABLE}}'))), { '10.1.0.1': null, '10.1.0.2': null });
    const back = mesh(pa('mesh', 'isthmus-system', '{mtls: {mode: DISABLE}}') + pa('ns', 'default', '{mtls: {mode: STRICT}}'));
    assert.equal(autoMtls(clusterOf(back)), true);
    // A policy in another namespace says nothing about these servers.
    assert.equal(autoMtls(clusterOf(mesh(pa('ns', 'other', '{mtls: {mode: DISABLE}}')))), true);
  });

  it('a workload DISABLE (selector, or a port) unmarks just the endpoints it covers', () => {
    const workload = mesh(pa('v1', 'default', '{selector: {matchLabels: {version: v1}}, mtls: {mode: DISABLE}}'));
    assert.equal(autoMtls(clusterOf(workload)), true);
    assert.deepEqual(endpointMarks(workload), { '10.1.0.1': null, '10.1.0.2': null });
    const port = mesh(pa('v1', 'default', '{selector: {matchLabels: {version: v1}}, portLevelMtls: {7070: {mode: DISABLE}}}'));
    assert.deepEqual(endpointMarks(port), { '10.1.0.1': { tlsMode: 'istio' }, '10.1.0.2': null });
    assert.deepEqual(endpointMarks(port, client(), `outbound|7070||${HOST}`), { '10.1.0.1': null, '10.1.0.2': null });
  });

  it('a PeerAuthentication change rebuilds marks although the endpoints did not change (no stale cached answer)', () => {
    const before = world(mesh());
    const policy = resources(pa('v1', 'default', '{selector: {matchLabels: {version: v1}}, mtls: {mode: DISABLE}}'))[0]!;
    const after = next(before, { resources: [...before.resources, policy], registry: before.registry, mesh: before.mesh }, changeForResource(undefined, policy));
    const marks = (push: typeof before) => JSON.stringify(generate(TYPE_URL.ENDPOINT, client(), push, [CLUSTER])[0]?.value);
    assert.match(marks(before), /tlsMode/);
    assert.doesNotMatch(marks(after), /tlsMode/);
  });
});
