// Per-endpoint transport sockets (Envoy's transport_socket_matches), as auto-mTLS uses them: in
// one cluster, endpoints whose `envoy.transport_socket_match` metadata says `tlsMode: istio` get
// the TLS socket and the others the cluster's own (plaintext); the first match wins, and an
// empty match takes every endpoint. Encoded and decoded as on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeResource, structProto } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { checkCluster } from '../../../src/proxy/upstream/check-cluster.js';
import { UpstreamCluster } from '../../../src/proxy/upstream/cluster.js';
import { matchTransportSocket, UPSTREAM_TLS_CONTEXT_TYPE } from '../../../src/proxy/upstream/tls-origination.js';
import { decodeCluster, decodeEndpoints, type ClusterConfig } from '../../../src/proxy/xds-client/index.js';

const TLS_SOCKET = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, sni: 'outbound_.80_._.cart.shop.svc.cluster.local' } };
const RAW = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };

function endpoint(port: number, tlsMode?: string): Record<string, unknown> {
  return {
    endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } },
    ...(tlsMode ? { metadata: { filter_metadata: { 'envoy.transport_socket_match': structProto({ tlsMode }) } } } : {}),
  };
}

/** A STATIC cluster as istiod's auto-mTLS writes it: tlsMode=istio → TLS, anything else → plaintext. */
function autoMtlsCluster(): ClusterConfig {
  const value = {
    name: 'outbound|80||cart.shop.svc.cluster.local',
    type: 'STATIC',
    connect_timeout: { seconds: 1 },
    load_assignment: { cluster_name: 'cart', endpoints: [{ lb_endpoints: [endpoint(1001, 'istio'), endpoint(1002), endpoint(1003, 'disabled')] }] },
    transport_socket_matches: [
      { name: 'tlsMode-istio', match: structProto({ tlsMode: 'istio' }), transport_socket: TLS_SOCKET },
      { name: 'tlsMode-disabled', match: structProto({}), transport_socket: RAW },
    ],
  };
  const decoded = decodeCluster(encodeResource({ name: value.name, typeUrl: TYPE_URL.CLUSTER, value }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  return decoded.value;
}

test('first match of the endpoint metadata; an empty match takes every endpoint; none → the cluster socket', () => {
  const matches: { match: Record<string, string> }[] = [{ match: { tlsMode: 'istio' } }, { match: { tlsMode: 'istio', version: 'v2' } }, { match: {} }];
  assert.equal(matchTransportSocket(matches, { tlsMode: 'istio' }), 0);
  assert.equal(matchTransportSocket(matches, { tlsMode: 'disabled' }), 2);
  assert.equal(matchTransportSocket(matches, undefined), 2);
  assert.equal(matchTransportSocket(matches.slice(0, 2), { tlsMode: 'disabled' }), -1);
  assert.equal(matchTransportSocket(matches.slice(1, 2), { tlsMode: 'istio' }), -1, 'every key must be present');
});

test('EDS keeps each endpoint\'s envoy.transport_socket_match metadata', () => {
  const value = { cluster_name: 'cart', endpoints: [{ lb_endpoints: [endpoint(1001, 'istio'), endpoint(1002)] }] };
  const decoded = decodeEndpoints(encodeResource({ name: 'cart', typeUrl: TYPE_URL.ENDPOINT, value }));
  assert.ok('value' in decoded);
  assert.deepEqual(decoded.value.endpoints.map((e) => e.socketMatch), [{ tlsMode: 'istio' }, undefined]);
});

test('one cluster, two kinds of endpoints: the sidecar gets TLS, the plain workload plaintext', (t) => {
  const config = autoMtlsCluster();
  checkCluster(config);
  const cluster = new UpstreamCluster(config, undefined);
  t.after(() => cluster.close());
  const hosts = [1001, 1002, 1003].map((port) => {
    for (let i = 0; i < 10; i++) {
      const h = cluster.pick({ authority: '' });
      if (h?.port === port) return h;
    }
    return assert.fail(`endpoint ${port} never picked`);
  });
  assert.equal(cluster.poolFor(hosts[0]!).tls?.settings?.sni, 'outbound_.80_._.cart.shop.svc.cluster.local');
  assert.equal(cluster.poolFor(hosts[1]!).tls, undefined, 'no metadata: the empty match (raw_buffer)');
  assert.equal(cluster.poolFor(hosts[2]!).tls, undefined);
  assert.notEqual(cluster.poolFor(hosts[0]!), cluster.pool);

  // The sidecar appears on the plain endpoint's address (its proxy started): the next pick follows.
  const moved = { ...config, loadAssignment: { clusterName: 'cart', endpoints: [{ host: '127.0.0.1', port: 1002, weight: 1, health: 'HEALTHY' as const, priority: 0, locality: {}, socketMatch: { tlsMode: 'istio' } }] } };
  cluster.update(moved, undefined);
  assert.ok(cluster.poolFor(cluster.pick({ authority: '' })!).tls);
});

test('a match with a socket the proxy cannot run NACKs the cluster with the field', () => {
  const config = autoMtlsCluster();
  (config.raw.transport_socket_matches as Record<string, unknown>[])[1]!.transport_socket = { name: 'envoy.transport_sockets.alts' };
  assert.throws(() => checkCluster(config), /transport_socket_matches\[1\]\.transport_socket: envoy\.transport_sockets\.alts is not supported/);
});
