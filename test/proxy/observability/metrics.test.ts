import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import {
  ENVOY_DEFAULT_BUCKETS,
  HTTP_LABEL_NAMES,
  IstioMetrics,
  TCP_LABEL_NAMES,
  type CompletedStream,
  type PeerMetadata,
} from '../../../src/proxy/observability/index.js';
import { find, parseExposition } from './prom-parse.js';

const PRODUCTPAGE = {
  name: 'productpage-v1-abc',
  namespace: 'default',
  workloadName: 'productpage-v1',
  serviceAccount: 'bookinfo-productpage',
  clusterId: 'Kubernetes',
  labels: { app: 'productpage', version: 'v1' },
};

const REVIEWS: PeerMetadata = {
  name: 'reviews-v2-xyz',
  namespace: 'default',
  workloadName: 'reviews-v2',
  clusterId: 'Kubernetes',
  labels: {
    app: 'reviews',
    version: 'v2',
    'service.istio.io/canonical-name': 'reviews',
    'service.istio.io/canonical-revision': 'v2',
  },
};

function stream(over: Partial<CompletedStream>): CompletedStream {
  return {
    startTime: Date.now(),
    durationMs: 12,
    protocol: 'HTTP/1.1',
    method: 'GET',
    path: '/reviews/0',
    authority: 'reviews:9080',
    responseCode: 200,
    responseFlags: [],
    requestBytes: 0,
    responseBytes: 300,
    downstreamRemote: '10.0.0.1:51000',
    downstreamLocal: '10.0.0.2:9080',
    direction: 'outbound',
    tls: false,
    ...over,
  };
}

test('outbound: reporter=source, our facts as source, the peer metadata as destination', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  m.onComplete(
    stream({
      upstreamCluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
      peer: REVIEWS,
      upstreamTls: true,
      peerPrincipal: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    }),
  );
  const exp = parseExposition(await m.metricsText());
  const [sample, ...rest] = find(exp, 'istio_requests_total');
  assert.equal(rest.length, 0);
  assert.deepEqual(Object.keys(sample!.labels).sort(), [...HTTP_LABEL_NAMES].sort());
  assert.deepEqual(sample!.labels, {
    reporter: 'source',
    source_workload: 'productpage-v1',
    source_canonical_service: 'productpage',
    source_canonical_revision: 'v1',
    source_workload_namespace: 'default',
    source_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
    source_app: 'productpage',
    source_version: 'v1',
    source_cluster: 'Kubernetes',
    destination_workload: 'reviews-v2',
    destination_workload_namespace: 'default',
    destination_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    destination_app: 'reviews',
    destination_version: 'v2',
    destination_service: 'reviews.default.svc.cluster.local',
    destination_canonical_service: 'reviews',
    destination_canonical_revision: 'v2',
    destination_service_name: 'reviews',
    destination_service_namespace: 'default',
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: '200',
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: 'unknown',
  });
  assert.equal(sample!.value, 1);
  assert.equal(exp.types.get('istio_requests_total'), 'counter');
  assert.equal(exp.types.get('istio_request_duration_milliseconds'), 'histogram');
});

test('outbound without peer metadata: destination service facts from the cluster name, the rest unknown', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  m.onComplete(stream({ upstreamCluster: 'outbound|9080||ratings.prod.svc.cluster.local', responseCode: 503, responseFlags: ['URX', 'UH'] }));
  const [s] = find(parseExposition(await m.metricsText()), 'istio_requests_total');
  assert.equal(s!.labels.destination_service, 'ratings.prod.svc.cluster.local');
  assert.equal(s!.labels.destination_service_name, 'ratings');
  assert.equal(s!.labels.destination_service_namespace, 'prod');
  assert.equal(s!.labels.destination_workload, 'unknown');
  assert.equal(s!.labels.destination_workload_namespace, 'unknown');
  assert.equal(s!.labels.destination_principal, 'unknown');
  assert.equal(s!.labels.destination_canonical_revision, 'latest');
  assert.equal(s!.labels.source_principal, 'unknown', 'no mTLS upstream, no source principal');
  assert.equal(s!.labels.response_code, '503');
  assert.equal(s!.labels.response_flags, 'UH,URX', "flags in Envoy's order, not arrival order");
});

test('passthrough traffic: the Host header names the service and the cluster names it', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  m.onComplete(stream({ upstreamCluster: 'PassthroughCluster', authority: 'api.example.com' }));
  const [s] = find(parseExposition(await m.metricsText()), 'istio_requests_total');
  assert.equal(s!.labels.destination_service, 'api.example.com');
  assert.equal(s!.labels.destination_service_name, 'PassthroughCluster');
});

test('inbound: reporter=destination, the caller from peer metadata and its certificate, mutual_tls', async () => {
  const m = new IstioMetrics({ local: { ...REVIEWS, serviceAccount: 'bookinfo-reviews' } });
  const caller: PeerMetadata = { ...PRODUCTPAGE };
  m.onComplete(
    stream({
      direction: 'inbound',
      upstreamCluster: 'inbound|9080||',
      peer: caller,
      tls: true,
      peerPrincipal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
      protocol: 'HTTP/2',
      grpc: true,
      grpcStatus: 14,
    }),
  );
  m.onComplete(stream({ direction: 'inbound', upstreamCluster: 'inbound|9080||', tls: false, responseCode: 404 }));
  const exp = parseExposition(await m.metricsText());
  const [mtls] = find(exp, 'istio_requests_total', { connection_security_policy: 'mutual_tls' });
  assert.equal(mtls!.labels.reporter, 'destination');
  assert.equal(mtls!.labels.source_workload, 'productpage-v1');
  assert.equal(mtls!.labels.source_canonical_service, 'productpage', 'canonical service defaults to the app label');
  assert.equal(mtls!.labels.source_principal, 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  assert.equal(mtls!.labels.destination_principal, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
  assert.equal(mtls!.labels.destination_workload, 'reviews-v2');
  assert.equal(mtls!.labels.destination_service, 'reviews', 'no host in the cluster name: our canonical service');
  assert.equal(mtls!.labels.destination_service_namespace, 'default');
  assert.equal(mtls!.labels.request_protocol, 'grpc');
  assert.equal(mtls!.labels.grpc_response_status, '14');
  const [plain] = find(exp, 'istio_requests_total', { connection_security_policy: 'none' });
  assert.equal(plain!.labels.source_workload, 'unknown');
  assert.equal(plain!.labels.source_principal, 'unknown');
  assert.equal(plain!.labels.source_canonical_revision, 'latest');
  assert.equal(plain!.labels.response_code, '404');
});

test('the same label set accumulates in one series; histograms are cumulative with Envoy buckets', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  const base = { upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local', peer: REVIEWS };
  m.onComplete(stream({ ...base, durationMs: 3, requestBytes: 10, responseBytes: 2000 }));
  m.onComplete(stream({ ...base, durationMs: 70, requestBytes: 10, responseBytes: 20 }));
  m.onComplete(stream({ ...base, durationMs: 4_000_000, requestBytes: 0, responseBytes: 0 }));
  assert.equal(m.seriesCount, 1);
  const exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'istio_requests_total')[0]!.value, 3);
  const buckets = find(exp, 'istio_request_duration_milliseconds_bucket');
  assert.deepEqual(
    buckets.map((b) => b.labels.le),
    [...ENVOY_DEFAULT_BUCKETS.map(String), '+Inf'],
  );
  const at = (le: string): number => buckets.find((b) => b.labels.le === le)!.value;
  assert.equal(at('1'), 0);
  assert.equal(at('5'), 1);
  assert.equal(at('100'), 2);
  assert.equal(at('3600000'), 2);
  assert.equal(at('+Inf'), 3);
  assert.equal(find(exp, 'istio_request_duration_milliseconds_count')[0]!.value, 3);
  assert.equal(find(exp, 'istio_request_duration_milliseconds_sum')[0]!.value, 4_000_073);
  assert.equal(find(exp, 'istio_response_bytes_sum')[0]!.value, 2020);
  assert.equal(find(exp, 'istio_request_bytes_bucket', { le: '10' })[0]!.value, 3);
});

test('label values are escaped in the exposition', async () => {
  const m = new IstioMetrics({ local: { ...PRODUCTPAGE, workloadName: 'we"ird\\name\nx' } });
  m.onComplete(stream({}));
  const [s] = find(parseExposition(await m.metricsText()), 'istio_requests_total');
  assert.equal(s!.labels.source_workload, 'we"ird\\name\nx');
});

test('TCP: a connection completed in one go counts opened, bytes and closed with the TCP label set', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  m.onComplete(
    stream({ protocol: 'TCP', method: undefined, path: undefined, responseCode: 0, upstreamCluster: 'outbound|3306||mysql.db.svc.cluster.local', requestBytes: 100, responseBytes: 5000 }),
  );
  const exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'istio_requests_total').length, 0);
  const [opened] = find(exp, 'istio_tcp_connections_opened_total');
  assert.deepEqual(Object.keys(opened!.labels).sort(), [...TCP_LABEL_NAMES].sort());
  assert.equal(opened!.labels.request_protocol, 'tcp');
  assert.equal(opened!.labels.destination_service_namespace, 'db');
  assert.equal(opened!.value, 1);
  assert.equal(find(exp, 'istio_tcp_connections_closed_total')[0]!.value, 1);
  assert.equal(find(exp, 'istio_tcp_sent_bytes_total')[0]!.value, 5000);
  assert.equal(find(exp, 'istio_tcp_received_bytes_total')[0]!.value, 100);
});

test('TCP: a live connection reports growth while open and is closed by its completion', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE });
  const facts = { direction: 'outbound' as const, upstreamCluster: 'outbound|6379||redis.cache.svc.cluster.local', responseFlags: [], tls: false, connectionId: 7 };
  const live = m.openTcp(facts);
  live.report(10, 20);
  let exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'istio_tcp_connections_opened_total')[0]!.value, 1);
  assert.equal(find(exp, 'istio_tcp_connections_closed_total')[0]!.value, 0);
  assert.equal(find(exp, 'istio_tcp_sent_bytes_total')[0]!.value, 10);
  live.report(15, 20);
  m.onComplete(stream({ ...facts, protocol: 'TCP', responseCode: 0, requestBytes: 50, responseBytes: 30, responseFlags: ['UC'] }));
  live.close(99, 99); // already closed: ignored
  exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'istio_tcp_connections_opened_total').length, 1, 'labels fixed at open: one series');
  assert.equal(find(exp, 'istio_tcp_connections_closed_total')[0]!.value, 1);
  assert.equal(find(exp, 'istio_tcp_sent_bytes_total')[0]!.value, 30);
  assert.equal(find(exp, 'istio_tcp_received_bytes_total')[0]!.value, 50);
});

test('series beyond maxSeries are dropped and counted', async () => {
  const m = new IstioMetrics({ local: PRODUCTPAGE, maxSeries: 2 });
  for (const code of [200, 201, 202, 200]) m.onComplete(stream({ responseCode: code }));
  assert.equal(m.seriesCount, 2);
  assert.equal(m.droppedSeries, 1);
  const exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'istio_requests_total', { response_code: '200' })[0]!.value, 2);
});

test('metricsText appends a prom-client registry', async () => {
  const registry = new Registry();
  new Counter({ name: 'isthmus_proxy_test_total', help: 'test', registers: [registry] }).inc(3);
  const m = new IstioMetrics({ local: PRODUCTPAGE, registry });
  m.onComplete(stream({}));
  const exp = parseExposition(await m.metricsText());
  assert.equal(find(exp, 'isthmus_proxy_test_total')[0]!.value, 3);
  assert.equal(find(exp, 'istio_requests_total').length, 1);
});
