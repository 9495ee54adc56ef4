// Each decoder on resources built the way the control plane encodes them: what it accepts, and
// for each thing the proxy could not serve, a reason naming the resource and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeResource } from '../../../src/control/xds/protos.js';
import { TYPE_URL, type TypeUrl } from '../../../src/control/xds/resource.js';
import { decodeCluster, decodeEndpoints, decodeListener, decodeRoute, HCM_TYPE_URL, type Decoded } from '../../../src/proxy/xds-client/index.js';

function any(typeUrl: TypeUrl, value: Record<string, unknown>, name = String(value.name ?? value.cluster_name)) {
  return encodeResource({ name, typeUrl, value });
}

function errorOf<T>(result: Decoded<T>): string {
  assert.ok('error' in result, `expected a rejection, got ${JSON.stringify(result)}`);
  return result.error;
}

function valueOf<T>(result: Decoded<T>): T {
  assert.ok('value' in result, `expected a value, got ${'error' in result ? result.error : ''}`);
  return result.value;
}

const ADS = { ads: {}, resource_api_version: 'V3' };
const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
const hcmRds = (name: string) => ({ '@type': HCM_TYPE_URL, stat_prefix: 'http', rds: { route_config_name: name, config_source: ADS } });

test('cluster: an EDS cluster subscribes to its service name, or its own name', () => {
  const named = valueOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'c1', type: 'EDS', eds_cluster_config: { eds_config: ADS, service_name: 'svc' }, connect_timeout: { seconds: 2 } })));
  assert.deepEqual([named.discovery, named.lbPolicy, named.edsServiceName, named.connectTimeoutMs], ['EDS', 'ROUND_ROBIN', 'svc', 2000]);
  assert.equal(valueOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'c2', type: 'EDS', eds_cluster_config: { eds_config: ADS } }))).edsServiceName, 'c2');
});

test('cluster: a STATIC cluster carries its endpoints inline', () => {
  const c = valueOf(decodeCluster(any(TYPE_URL.CLUSTER, {
    name: 'static', type: 'STATIC', lb_policy: 'LEAST_REQUEST',
    load_assignment: { cluster_name: 'static', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket('10.0.0.1', 80) } }] }] },
  })));
  assert.deepEqual(c.loadAssignment?.endpoints.map((e) => `${e.host}:${e.port}/${e.weight}`), ['10.0.0.1:80/1']);
});

test('cluster: rejections name the cluster and the field', () => {
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'lb', type: 'EDS', eds_cluster_config: { eds_config: ADS }, lb_policy: 'LOAD_BALANCING_POLICY_CONFIG' }))),
    /^Cluster "lb": lb_policy: LOAD_BALANCING_POLICY_CONFIG is not supported/);
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'noeds', type: 'EDS' }))), /^Cluster "noeds": eds_cluster_config\.eds_config: is missing/);
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'path', type: 'EDS', eds_cluster_config: { eds_config: { path_config_source: { path: '/x' } } } }))),
    /eds_cluster_config\.eds_config: only ads/);
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'dns', type: 'STRICT_DNS' }))), /^Cluster "dns": load_assignment: is missing/);
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, { name: 'odst', type: 'ORIGINAL_DST', lb_policy: 'ROUND_ROBIN' }))), /lb_policy: an ORIGINAL_DST cluster needs CLUSTER_PROVIDED/);
  assert.match(errorOf(decodeCluster(any(TYPE_URL.CLUSTER, {
    name: 'badep', type: 'STATIC', load_assignment: { cluster_name: 'badep', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket('10.0.0.1', 0) } }] }] },
  }))), /load_assignment\.endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.port_value: is 0/);
});

test('cluster: an Any of another type or undecodable bytes is rejected without a name', () => {
  const listener = any(TYPE_URL.LISTENER, { name: 'l', address: socket('0.0.0.0', 80), filter_chains: [{ filters: [] }] });
  const wrong = decodeCluster(listener);
  assert.equal(wrong.name, '');
  assert.match(errorOf(wrong), /has type .*Listener, expected .*Cluster/);
  assert.match(errorOf(decodeCluster({ type_url: TYPE_URL.CLUSTER, value: Buffer.from([0xff, 0xff, 0xff]) })), /cannot decode/);
});

test('endpoints: weights, health and locality priority', () => {
  const cla = valueOf(decodeEndpoints(any(TYPE_URL.ENDPOINT, {
    cluster_name: 'c',
    endpoints: [
      { locality: { region: 'r1', zone: 'z1' }, priority: 1, lb_endpoints: [{ endpoint: { address: socket('10.0.0.2', 8080) }, load_balancing_weight: { value: 3 }, health_status: 'HEALTHY' }] },
    ],
  })));
  assert.deepEqual(cla.endpoints, [{ host: '10.0.0.2', port: 8080, weight: 3, health: 'HEALTHY', priority: 1, locality: { region: 'r1', zone: 'z1' } }]);
});

test('endpoints: rejections name the assignment and the field', () => {
  assert.match(errorOf(decodeEndpoints(any(TYPE_URL.ENDPOINT, { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: {} }] }] }))),
    /^ClusterLoadAssignment "c": endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address: has no socket_address/);
  assert.match(errorOf(decodeEndpoints(any(TYPE_URL.ENDPOINT, { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket('', 80) } }] }] }))),
    /socket_address\.address: is empty/);
  assert.match(errorOf(decodeEndpoints(any(TYPE_URL.ENDPOINT, { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket('1.2.3.4', 80) }, load_balancing_weight: { value: 0 } }] }] }))),
    /lb_endpoints\[0\]\.load_balancing_weight: 0 must be at least 1/);
});

const vhost = (routes: unknown[]) => ({ name: 'vh', domains: ['*'], routes });

test('route: lists the clusters its routes name', () => {
  const r = valueOf(decodeRoute(any(TYPE_URL.ROUTE, {
    name: '80',
    virtual_hosts: [vhost([
      { match: { prefix: '/a' }, route: { weighted_clusters: { clusters: [{ name: 'b', weight: { value: 1 } }, { name: 'a', weight: { value: 3 } }] } } },
      { match: { prefix: '/r' }, redirect: { host_redirect: 'x' } },
      { match: { prefix: '/' }, route: { cluster: 'c' } },
    ])],
  })));
  assert.deepEqual(r.clusters, ['a', 'b', 'c']);
});

test('route: rejections name the route configuration and the route', () => {
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { prefix: '/' }, route: { cluster_header: 'x-cluster' } }])] }))),
    /^RouteConfiguration "80": virtual_hosts\[0\]\.routes\[0\]\.route\.cluster_header: is not supported/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { prefix: '/' }, route: { timeout: { seconds: 1 } } }])] }))),
    /virtual_hosts\[0\]\.routes\[0\]\.route: names no cluster/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { prefix: '/' } }])] }))), /routes\[0\]: has no action/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, {
    name: '80', virtual_hosts: [vhost([{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 0 } }] } } }])],
  }))), /route\.weighted_clusters: weights add up to 0/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [{ name: 'nodomains', routes: [] }] }))), /virtual_hosts\[0\]\.domains: virtual host "nodomains" has no domains/);
});

test('route: a regex RE2 would not compile is rejected with its field, in matches and rewrites', () => {
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { safe_regex: { regex: '(?<=a)b' } }, route: { cluster: 'c' } }])] }))),
    /routes\[0\]\.match\.safe_regex\.regex: "\(\?<=a\)b" is not a valid RE2 regex/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: '(' } } }] }, route: { cluster: 'c' } }])] }))),
    /match\.headers\[0\]\.string_match\.safe_regex\.regex/);
  assert.match(errorOf(decodeRoute(any(TYPE_URL.ROUTE, { name: '80', virtual_hosts: [vhost([{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '[' }, substitution: 'x' } } }])] }))),
    /route\.regex_rewrite\.pattern\.regex/);
});

test('listener: RDS names from filter chains and from an api_listener', () => {
  const bound = valueOf(decodeListener(any(TYPE_URL.LISTENER, {
    name: 'l', address: socket('0.0.0.0', 8080),
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcmRds('8080') }] }, { filters: [{ name: 'hcm', typed_config: hcmRds('443') }] }],
  })));
  assert.deepEqual([bound.address, bound.apiListener, bound.routeNames], [{ host: '0.0.0.0', port: 8080 }, false, ['443', '8080']]);
  const api = valueOf(decodeListener(any(TYPE_URL.LISTENER, { name: 'echo:7070', api_listener: { api_listener: hcmRds('echo:7070') } })));
  assert.deepEqual([api.address, api.apiListener, api.routeNames], [undefined, true, ['echo:7070']]);
});

test('listener: rejections name the listener and the field', () => {
  assert.match(errorOf(decodeListener(any(TYPE_URL.LISTENER, { name: 'nowhere' }))), /^Listener "nowhere": address: is missing and there is no api_listener/);
  assert.match(errorOf(decodeListener(any(TYPE_URL.LISTENER, {
    name: 'l', address: socket('0.0.0.0', 80), filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM_TYPE_URL, stat_prefix: 'x' } }] }],
  }))), /filter_chains\[0\]\.filters\[0\]\.typed_config: HttpConnectionManager has neither rds nor route_config/);
  assert.match(errorOf(decodeListener(any(TYPE_URL.LISTENER, {
    name: 'l', address: socket('0.0.0.0', 80),
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM_TYPE_URL, route_config: { name: 'inline', virtual_hosts: [vhost([{ match: { prefix: '/' }, route: {} }])] } } }] }],
  }))), /typed_config\.route_config\.virtual_hosts\[0\]\.routes\[0\]\.route: names no cluster/);
  assert.match(errorOf(decodeListener(any(TYPE_URL.LISTENER, { name: 'empty', address: socket('0.0.0.0', 80) }))), /filter_chains: is empty/);
  assert.match(errorOf(decodeListener(any(TYPE_URL.LISTENER, { name: 'api', api_listener: { api_listener: { '@type': TYPE_URL.CLUSTER, name: 'x' } } }))),
    /api_listener\.api_listener: must be an HttpConnectionManager/);
});
