// The upstream modules read what our control plane really emits: DestinationRule and
// VirtualService settings translated to xDS, encoded, and decoded by the proxy's xDS client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { circuitBreakers } from '../../../src/control/translate/connection-pool.js';
import { hashPolicy } from '../../../src/control/translate/hash-policy.js';
import { lbFields } from '../../../src/control/translate/load-balancer.js';
import { outlierDetection } from '../../../src/control/translate/outlier.js';
import { retryPolicy } from '../../../src/control/translate/retry.js';
import { decodeCluster, decodeRoute } from '../../../src/proxy/xds-client/index.js';
import type { Fields } from '../../../src/proxy/xds-client/fields.js';
import { CircuitBreaker } from '../../../src/proxy/upstream/circuit-breaker.js';
import { compileHashPolicy } from '../../../src/proxy/upstream/hash-policy.js';
import { createLoadBalancer, poolFactory, RingHashBalancer, MaglevBalancer } from '../../../src/proxy/upstream/lb/index.js';
import { ManualClock } from '../../../src/proxy/upstream/clock.js';
import { OutlierDetector } from '../../../src/proxy/upstream/outlier.js';
import { compileRetryPolicy } from '../../../src/proxy/upstream/retry-policy.js';
import { xxhash64 } from '../../../src/proxy/upstream/lb/xxhash64.js';
import { hosts, seeded } from './helpers.js';

function cluster(fields: Record<string, unknown>) {
  const decoded = decodeCluster(encodeResource({ name: 'outbound|80||svc', typeUrl: TYPE_URL.CLUSTER, value: { name: 'outbound|80||svc', type: 'STATIC', ...fields } }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  return decoded.value;
}

function routeAction(action: Record<string, unknown>): Fields {
  const decoded = decodeRoute(encodeResource({ name: 'r', typeUrl: TYPE_URL.ROUTE, value: {
    name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', ...action } }] }],
  } }));
  assert.ok('value' in decoded, 'error' in decoded ? decoded.error : '');
  const vh = (decoded.value.raw.virtual_hosts as Fields[])[0];
  return (vh.routes as Fields[])[0].route as Fields;
}

test('load balancer settings: simple policies, ring hash and maglev sizes', () => {
  const lr = cluster(lbFields(undefined, 'sidecar'));
  assert.equal(lr.lbPolicy, 'LEAST_REQUEST');
  assert.ok(createLoadBalancer(lr, hosts(3)).pick({ random: seeded(1) }));
  const ring = cluster(lbFields({ consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 2048 } } }, 'sidecar'));
  const built = poolFactory(ring).factory(hosts(4).map((host) => ({ host, weight: 1 })));
  assert.ok(built instanceof RingHashBalancer);
  assert.equal(built.size, 2048);
  const maglev = cluster(lbFields({ consistentHash: { httpHeaderName: 'x-user', maglev: { tableSize: 251 } } }, 'sidecar'));
  const table = poolFactory(maglev).factory(hosts(2).map((host) => ({ host, weight: 1 })));
  assert.ok(table instanceof MaglevBalancer);
  assert.equal(table.tableSize, 251);
});

test('outlier detection: the consecutive 5xx count, interval, ejection time and percent arrive', () => {
  const c = cluster({ outlier_detection: outlierDetection({ consecutive5xxErrors: 2, interval: '5s', baseEjectionTime: '1m', maxEjectionPercent: 100 }, 'sidecar') });
  const d = OutlierDetector.fromCluster(c.raw, { clock: new ManualClock() }, hosts(2));
  assert.ok(d);
  assert.deepEqual([d.config.consecutive5xx, d.config.intervalMs, d.config.baseEjectionTimeMs, d.config.maxEjectionPercent, d.config.enforcing.consecutive_5xx, d.config.enforcing.success_rate],
    [2, 5000, 60_000, 100, 100, 0]);
  d.close();
});

test('connection pool settings become circuit breaker limits ("unlimited" when unset)', () => {
  const c = cluster({ circuit_breakers: circuitBreakers({ tcp: { maxConnections: 7 }, http: { http1MaxPendingRequests: 3 } }) });
  const cb = CircuitBreaker.fromCluster(c.raw);
  assert.deepEqual(cb.limits, { connections: 7, pending: 3, requests: 4294967295, retries: 4294967295 });
});

test('consistent hash and retries on the route', () => {
  const hp = compileHashPolicy(routeAction({ hash_policy: hashPolicy({ consistentHash: { httpCookie: { name: 'sticky', ttl: '30s', path: '/' } } }) }).hash_policy);
  const r = hp.compute({ headers: {}, path: '/', sourceIp: '10.0.0.9' });
  assert.match(r.setCookies[0], /^sticky="[0-9a-f]{16}"; Max-Age=30; Path=\/; HttpOnly$/);
  const header = compileHashPolicy(routeAction({ hash_policy: hashPolicy({ consistentHash: { httpHeaderName: 'x-user' } }) }).hash_policy);
  assert.equal(header.compute({ headers: { 'x-user': 'u1' }, path: '/', sourceIp: '' }).hash, xxhash64('u1'));

  const defaults = compileRetryPolicy(routeAction({ retry_policy: retryPolicy(undefined, 'sidecar') }).retry_policy);
  assert.ok(defaults);
  assert.deepEqual([defaults.numRetries, defaults.previousHosts, defaults.hostSelectionMaxAttempts, defaults.unknownRetryOn], [2, true, 5, []]);
  assert.equal(defaults.shouldRetry({ kind: 'connect-failure' }), true);
  assert.equal(defaults.shouldRetry({ kind: 'response', status: 503 }), true);
  assert.equal(defaults.shouldRetry({ kind: 'response', status: 500 }), false);
  assert.equal(defaults.shouldRetry({ kind: 'response', status: 200, grpcStatus: 14 }), true);
  const custom = compileRetryPolicy(routeAction({ retry_policy: retryPolicy({ attempts: 4, perTryTimeout: '2s', retryOn: 'gateway-error,409', backoff: '50ms' }, 'sidecar') }).retry_policy);
  assert.ok(custom);
  assert.deepEqual([custom.numRetries, custom.perTryTimeoutMs, custom.baseIntervalMs, custom.maxIntervalMs], [4, 2000, 50, 500]);
  assert.equal(custom.shouldRetry({ kind: 'response', status: 409 }), true);
  assert.equal(custom.shouldRetry({ kind: 'response', status: 502 }), true);
});
