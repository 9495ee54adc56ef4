import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { xdsRoot, structProto } from '../../../src/control/xds/index.js';
import {
  MetadataExchange,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
  decodePeerMetadata,
  encodePeerMetadata,
  hasPeerMetadataHeaders,
  workloadFromNodeMetadata,
  type WorkloadMetadata,
} from '../../../src/proxy/observability/index.js';
import type { Headers } from '../../../src/proxy/http/stream.js';

const RATINGS: WorkloadMetadata = {
  name: 'ratings-v1-5c9f',
  namespace: 'bookinfo',
  workloadName: 'ratings-v1',
  serviceAccount: 'bookinfo-ratings',
  clusterId: 'east',
  meshId: 'mesh1',
  labels: { app: 'ratings', version: 'v1', 'pod-template-hash': '5c9f', team: 'stars' },
};

test('our header round-trips, with the canonical labels filled in and other labels left out', () => {
  const value = encodePeerMetadata(RATINGS);
  const peer = decodePeerMetadata(value)!;
  assert.equal(peer.name, 'ratings-v1-5c9f');
  assert.equal(peer.namespace, 'bookinfo');
  assert.equal(peer.workloadName, 'ratings-v1');
  assert.equal(peer.serviceAccount, 'bookinfo-ratings');
  assert.equal(peer.clusterId, 'east');
  assert.equal(peer.meshId, 'mesh1');
  assert.deepEqual(peer.labels, {
    app: 'ratings',
    version: 'v1',
    'service.istio.io/canonical-name': 'ratings',
    'service.istio.io/canonical-revision': 'v1',
  });
  assert.ok(Object.isFrozen(peer));
  assert.equal(decodePeerMetadata(encodePeerMetadata(RATINGS, ['team']))!.labels.team, 'stars');
});

test('the encoding is deterministic: equal facts in any key order give the same header', () => {
  const reordered: WorkloadMetadata = {
    labels: { team: 'stars', version: 'v1', app: 'ratings' },
    meshId: 'mesh1',
    clusterId: 'east',
    serviceAccount: 'bookinfo-ratings',
    workloadName: 'ratings-v1',
    namespace: 'bookinfo',
    name: 'ratings-v1-5c9f',
  };
  assert.equal(encodePeerMetadata(reordered), encodePeerMetadata(RATINGS));
});

test('a Struct built with the Envoy protos (as another proxy would send it) decodes', () => {
  const Struct = xdsRoot().lookupType('google.protobuf.Struct');
  const metadata = {
    NAME: 'details-v1-1',
    NAMESPACE: 'default',
    WORKLOAD_NAME: 'details-v1',
    CLUSTER_ID: 'Kubernetes',
    OWNER: 'kubernetes://apis/apps/v1/namespaces/default/deployments/details-v1',
    APP_CONTAINERS: 'details',
    PLATFORM_METADATA: {},
    LABELS: { app: 'details', 'service.istio.io/canonical-name': 'details', 'service.istio.io/canonical-revision': 'v1' },
  };
  const bytes = Struct.encode(Struct.fromObject(structProto(metadata))).finish();
  // Istio decodes with or without base64 padding; send it unpadded.
  const value = Buffer.from(bytes).toString('base64').replace(/=+$/, '');
  const peer = decodePeerMetadata(value)!;
  assert.equal(peer.workloadName, 'details-v1');
  assert.equal(peer.owner, 'kubernetes://apis/apps/v1/namespaces/default/deployments/details-v1');
  assert.equal(peer.appContainers, 'details');
  assert.equal(peer.labels['service.istio.io/canonical-revision'], 'v1');
});

test('junk never throws: undecodable or foreign values are undefined', () => {
  for (const junk of ['', '!!!not base64!!!', 'aGVsbG8gd29ybGQ=', Buffer.from([0xff, 0xff, 0xff, 0x0f]).toString('base64'), 'A'.repeat(20_000)]) {
    assert.equal(decodePeerMetadata(junk), undefined, JSON.stringify(junk.slice(0, 20)));
  }
});

test('node metadata JSON reads into workload facts', () => {
  const w = workloadFromNodeMetadata({ NAMESPACE: 'ns', WORKLOAD_NAME: 'w', LABELS: { app: 'a', n: 1 }, INSTANCE_IPS: '10.0.0.1', ISTIO_VERSION: 7 });
  assert.deepEqual(w, { namespace: 'ns', workloadName: 'w', instanceIps: '10.0.0.1', labels: { app: 'a' } });
});

test('the exchange over real HTTP: client injects, server reads and strips, answers only a mesh client', async (t) => {
  const server = new MetadataExchange({ nodeId: 'sidecar~10.0.0.9~ratings-v1-5c9f.bookinfo~bookinfo.svc.cluster.local', local: RATINGS });
  const client = new MetadataExchange({
    nodeId: 'sidecar~10.0.0.8~reviews-v3-1.bookinfo~bookinfo.svc.cluster.local',
    local: { namespace: 'bookinfo', workloadName: 'reviews-v3', labels: { app: 'reviews', version: 'v3' } },
  });
  const seen: Array<{ peer: WorkloadMetadata | undefined; appHeaders: string[] }> = [];
  const proxy = http.createServer((req, res) => {
    // The server-side proxy's job, on plain node http for the test.
    const headers = { ...req.headers } as Headers;
    const fromMesh = hasPeerMetadataHeaders(headers);
    const peer = server.extract(headers);
    seen.push({ peer, appHeaders: Object.keys(headers) });
    const responseHeaders: Headers = { 'content-type': 'text/plain' };
    if (fromMesh) server.inject(responseHeaders);
    res.writeHead(200, responseHeaders).end('ok');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => proxy.close());
  const port = (proxy.address() as AddressInfo).port;

  const call = (headers: Headers): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      }).on('error', reject);
    });

  const outbound: Headers = {};
  client.inject(outbound);
  const res = await call(outbound);
  assert.equal(seen[0]!.peer?.workloadName, 'reviews-v3');
  assert.ok(!seen[0]!.appHeaders.includes(PEER_METADATA_HEADER) && !seen[0]!.appHeaders.includes(PEER_METADATA_ID_HEADER), 'stripped before the app');
  const responseHeaders = { ...res.headers } as Headers;
  assert.equal(responseHeaders[PEER_METADATA_ID_HEADER], server.id);
  const upstreamPeer = client.extract(responseHeaders);
  assert.equal(upstreamPeer?.workloadName, 'ratings-v1');
  assert.equal(responseHeaders[PEER_METADATA_HEADER], undefined);
  assert.equal(client.decode(server.value), upstreamPeer, 'decoded once, then served from the cache');

  const plain = await call({});
  assert.equal(seen[1]!.peer, undefined);
  assert.equal(plain.headers[PEER_METADATA_HEADER], undefined, 'no metadata for a client outside the mesh');
});

test('the decode cache stays bounded', () => {
  const exchange = new MetadataExchange({ nodeId: 'n', local: RATINGS, cacheSize: 8 });
  const values = Array.from({ length: 50 }, (_, i) => encodePeerMetadata({ ...RATINGS, name: `pod-${i}` }));
  for (const v of values) assert.equal(exchange.decode(v)?.name?.startsWith('pod-'), true);
  assert.ok((exchange as unknown as { cache: Map<string, unknown> }).cache.size <= 8);
});
