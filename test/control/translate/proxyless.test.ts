// Proxyless gRPC: everything generated must be accepted by @grpc/grpc-js-xds's own validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, service, world } from '../model/world.js';
import { grpcDecoded, grpcRejection } from './envoy-codec.js';

const MESH = `${service('reviews', 'default', 9080, ['v1', 'v2'], 'grpc')}${service('ratings', 'default', 9090, ['v1'], 'grpc')}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
    - match: [{headers: {end-user: {exact: jason}}}]
      fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 50}}, delay: {fixedDelay: 1s, percentage: {value: 12.5}}}
      route: [{destination: {host: reviews, subset: v2}}]
    - match: [{uri: {prefix: /legacy}}]
      redirect: {uri: /new}
    - route:
        - {destination: {host: reviews, subset: v1}, weight: 80}
        - {destination: {host: reviews, subset: v2}, weight: 20}
      timeout: 2s
      retries: {attempts: 3, retryOn: unavailable, perTryTimeout: 500ms, backoff: 100ms}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
    outlierDetection: {consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
    connectionPool: {http: {http2MaxRequests: 100}}
    tls: {mode: ISTIO_MUTUAL}
  subsets:
    - {name: v1, labels: {version: v1}}
    - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}}
`;

describe('proxyless gRPC translation', () => {
  const push = world(MESH);
  const client = proxy('proxyless', 'default');

  it('answers LDS for a short host:port with an API listener gRPC accepts', () => {
    const [l, ...rest] = generate(TYPE_URL.LISTENER, client, push, ['reviews:9080']);
    assert.equal(rest.length, 0);
    assert.ok(l);
    assert.equal(l.name, 'reviews:9080');
    assert.equal(grpcRejection(l), undefined);
    const hcm = (l.value.api_listener as { api_listener: Record<string, unknown> }).api_listener;
    assert.deepEqual((hcm.http_filters as { name: string }[]).map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.equal((hcm.rds as { route_config_name: string }).route_config_name, 'reviews:9080');
  });

  it('accepts FQDN targets and answers nothing for unknown hosts', () => {
    const fqdn = generate(TYPE_URL.LISTENER, client, push, ['reviews.default.svc.cluster.local:9080', 'nope:1']);
    assert.deepEqual(fqdn.map((r) => r.name), ['reviews.default.svc.cluster.local:9080']);
  });

  it('answers a wildcard LDS request with every service port', () => {
    const all = generate(TYPE_URL.LISTENER, client, push, undefined).map((r) => r.name).sort();
    assert.deepEqual(all, ['ratings.default.svc.cluster.local:9090', 'reviews.default.svc.cluster.local:9080']);
  });

  it('builds an RDS table gRPC accepts, without the redirect route it cannot take', () => {
    const [rc] = generate(TYPE_URL.ROUTE, client, push, ['reviews:9080']);
    assert.ok(rc);
    assert.equal(grpcRejection(rc), undefined);
    const vh = (rc.value.virtual_hosts as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.ok((vh.domains as string[]).includes('reviews:9080'));
    const routes = vh.routes as Record<string, Record<string, unknown>>[];
    assert.equal(routes.length, 2);
    const last = routes[1]?.route as Record<string, unknown>;
    assert.deepEqual(last.max_stream_duration, { max_stream_duration: { seconds: 2, nanos: 0 }, grpc_timeout_header_max: { seconds: 2, nanos: 0 } });
    assert.deepEqual((last.retry_policy as Record<string, unknown>).retry_back_off, { base_interval: { seconds: 0, nanos: 100_000_000 } });
    assert.deepEqual(last.hash_policy, [{ header: { header_name: 'x-user' } }]);
  });

  it('builds clusters gRPC accepts: ring hash, failure-percentage outlier detection, provider TLS', () => {
    const clusters = generate(TYPE_URL.CLUSTER, client, push, undefined);
    assert.deepEqual(clusters.map((c) => c.name).sort(), [
      'outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v2|reviews.default.svc.cluster.local',
      'outbound|9080||reviews.default.svc.cluster.local', 'outbound|9090||ratings.default.svc.cluster.local',
    ]);
    for (const c of clusters) assert.equal(grpcRejection(c), undefined, c.name);
    const main = clusters.find((c) => c.name === 'outbound|9080||reviews.default.svc.cluster.local');
    assert.ok(main);
    const decoded = grpcDecoded(main) as { outlierDetectionUpdate: Record<string, unknown>; lbPolicyConfig: unknown[]; securityUpdate: Record<string, unknown>; maxConcurrentRequests: number };
    assert.equal(decoded.outlierDetectionUpdate.success_rate_ejection, undefined);
    assert.deepEqual(decoded.outlierDetectionUpdate.failure_percentage_ejection, { enforcement_percentage: 100, minimum_hosts: 1, request_volume: 3, threshold: 99 });
    assert.ok('ring_hash' in (decoded.lbPolicyConfig[0] as object));
    assert.equal(decoded.securityUpdate.caCertificateProviderInstance, 'default');
    assert.equal(decoded.maxConcurrentRequests, 100);
    // LEAST_REQUEST is not a gRPC policy: the v2 subset falls back to round robin.
    const v2 = grpcDecoded(clusters.find((c) => c.name.includes('|v2|')) as never) as { lbPolicyConfig: unknown[] };
    assert.ok('xds_wrr_locality' in (v2.lbPolicyConfig[0] as object));
  });

  it('builds load assignments gRPC accepts, by locality, with weights', () => {
    const eds = generate(TYPE_URL.ENDPOINT, client, push, ['outbound|9080|v2|reviews.default.svc.cluster.local']);
    assert.equal(eds.length, 1);
    const cla = eds[0];
    assert.ok(cla);
    assert.equal(grpcRejection(cla), undefined);
    const groups = cla.value.endpoints as Record<string, unknown>[];
    assert.equal(groups.length, 1);
    assert.deepEqual(groups[0]?.load_balancing_weight, { value: 1 });
    assert.equal((groups[0]?.lb_endpoints as unknown[]).length, 1);
  });
});
