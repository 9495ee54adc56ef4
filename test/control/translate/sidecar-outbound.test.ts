// A sidecar's outbound listeners: the HTTP-proxy-mode listener only when proxyHttpPort is set
// (Istio's rule), and Sidecar egress listeners with a port as real bound listeners — an HCM with
// the listener's own route table for HTTP-like protocols, a tcp_proxy otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedGenerators } from '../../../src/control/translate/cache.js';
import { GENERATORS, generate } from '../../../src/control/translate/generators.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import type { PushContext } from '../../../src/control/model/push-context.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { proxy, service, world, type WorldOptions } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const DB = 'db.default.svc.cluster.local';
const CACHE = 'cache.default.svc.cluster.local';

const MESH = `${service('reviews', 'default', 9080, ['v1', 'v2'])}${service('ratings', 'prod', 9080, ['v1'])}${service('db', 'default', 5432, ['v1', 'v2'], 'tcp')}${service('cache', 'default', 5432, ['v1'], 'tcp')}
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: default}
spec:
  host: db
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
`;

const app = proxy('sidecar', 'default', { app: 'productpage' });

function sidecar(...listeners: string[]): string {
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
${listeners.map((l) => `    - ${l}`).join('\n')}
---
`;
}

function tcpVs(tcp: string, hosts = '[db]'): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: default}
spec:
  hosts: ${hosts}
  tcp:
${tcp}
---
`;
}

function listeners(push: PushContext, p: ProxyNode = app): Map<string, Fields> {
  return new Map(generate(TYPE_URL.LISTENER, p, push).map((r) => [r.name, r.value]));
}

function routeNames(push: PushContext, p: ProxyNode = app): string[] {
  return generate(TYPE_URL.ROUTE, p, push).map((r) => r.name).sort();
}

/** The one network filter's typed_config of a listener's one filter chain. */
function filterConfig(l: Fields | undefined): Fields {
  assert.ok(l, 'the listener exists');
  const chains = l.filter_chains as { filters: { name: string; typed_config: Fields }[] }[];
  assert.equal(chains.length, 1);
  return (chains[0]?.filters[0] as { typed_config: Fields }).typed_config;
}

function encodesAll(push: PushContext, p: ProxyNode): void {
  for (const type of [TYPE_URL.LISTENER, TYPE_URL.ROUTE, TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT]) {
    for (const r of generate(type, p, push)) assert.doesNotThrow(() => encodeResource(r), `${type} ${r.name}`);
  }
}

function push(yaml: string, opts?: WorldOptions): PushContext {
  return world(yaml, opts);
}

describe('HTTP-proxy-mode listener', () => {
  it('is absent without proxyHttpPort, and so is the http_proxy table, even when asked for by name', () => {
    const p = push(MESH);
    assert.ok(![...listeners(p).keys()].some((n) => n.startsWith('127.0.0.1_')), [...listeners(p).keys()].join());
    assert.ok(!routeNames(p).includes('http_proxy'));
    assert.deepEqual(generate(TYPE_URL.ROUTE, app, p, ['http_proxy']), []);
  });

  it('the proxy\'s port: 127.0.0.1_<port>, bound on loopback, routing with http_proxy', () => {
    const p = push(MESH);
    const mode = proxy('sidecar', 'default', { app: 'productpage' }, { httpProxyPort: 15080 });
    const l = listeners(p, mode).get('127.0.0.1_15080');
    assert.ok(l);
    assert.deepEqual(l.address, { socket_address: { address: '127.0.0.1', port_value: 15080 } });
    assert.equal(l.bind_to_port, undefined, 'bound for real');
    const hcm = filterConfig(l);
    assert.equal((hcm.rds as Fields).route_config_name, 'http_proxy');
    assert.deepEqual(hcm.http_protocol_options, { allow_absolute_url: { value: true } });
    assert.ok(routeNames(p, mode).includes('http_proxy'));
    encodesAll(p, mode);
  });

  it('the mesh\'s proxyHttpPort applies to every sidecar, and a proxy\'s 0 turns it off', () => {
    const p = push(MESH, { mesh: { proxyHttpPort: 15001 } });
    assert.ok(listeners(p).has('127.0.0.1_15001'));
    assert.ok(!listeners(p, proxy('sidecar', 'default', {}, { httpProxyPort: 0 })).has('127.0.0.1_15001'));
    assert.ok(!listeners(p, proxy('router', 'default', {})).has('127.0.0.1_15001'), 'gateways have none');
    const own = listeners(p, proxy('sidecar', 'default', {}, { httpProxyPort: 15002 }));
    assert.ok(own.has('127.0.0.1_15002') && !own.has('127.0.0.1_15001'), 'the proxy\'s own port wins');
  });

  it('is left out when a Sidecar egress listener uses the same port', () => {
    const p = push(MESH + sidecar("{port: {number: 15001, protocol: HTTP, name: http}, hosts: ['./*']}", "{hosts: ['*/*']}"), { mesh: { proxyHttpPort: 15001 } });
    const l = listeners(p).get('127.0.0.1_15001');
    assert.equal((filterConfig(l).rds as Fields).route_config_name, '15001', 'the egress listener\'s');
    assert.ok(!routeNames(p).includes('http_proxy'));
  });

  it('alike proxies that differ only in proxyHttpPort get their own listeners from the cache', () => {
    const p = push(MESH);
    const lds = cachedGenerators(GENERATORS).get(TYPE_URL.LISTENER)!;
    const plain = lds.generate(proxy('sidecar', 'default', { app: 'x' }), p, undefined);
    const mode = lds.generate(proxy('sidecar', 'default', { app: 'x' }, { httpProxyPort: 15001 }), p, undefined);
    assert.notEqual(plain, mode);
    assert.ok(mode.some((r) => r.name === '127.0.0.1_15001') && !plain.some((r) => r.name === '127.0.0.1_15001'));
    const cds = cachedGenerators(GENERATORS).get(TYPE_URL.CLUSTER)!;
    assert.equal(cds.generate(proxy('sidecar', 'default', { app: 'x' }), p, undefined), cds.generate(proxy('sidecar', 'default', { app: 'x' }, { httpProxyPort: 15001 }), p, undefined), 'clusters are still shared');
  });
});

describe('Sidecar egress listeners with a port', () => {
  it('HTTP: a bound 127.0.0.1_<port> listener whose table "<port>" holds only its hosts; no catch-all listeners without a catch-all', () => {
    const p = push(MESH + sidecar("{port: {number: 9080, protocol: HTTP, name: http}, hosts: ['prod/*']}"));
    const all = listeners(p);
    assert.deepEqual([...all.keys()], ['127.0.0.1_9080']);
    const l = all.get('127.0.0.1_9080') as Fields;
    assert.deepEqual(l.address, { socket_address: { address: '127.0.0.1', port_value: 9080 } });
    assert.equal(l.traffic_direction, 'OUTBOUND');
    assert.equal((filterConfig(l).rds as Fields).route_config_name, '9080');
    const [table] = generate(TYPE_URL.ROUTE, app, p, ['9080']);
    const vhosts = (table?.value.virtual_hosts as { name: string }[]).map((v) => v.name);
    assert.deepEqual(vhosts, ['ratings.prod.svc.cluster.local:9080', 'allow_any']);
    encodesAll(p, app);
  });

  it('HTTP sharing its port with the catch-all: its table is <bind>_<port>, and the catch-all keeps "<port>"', () => {
    const p = push(MESH + sidecar("{port: {number: 9080, protocol: HTTP, name: http}, bind: 127.0.0.2, hosts: ['prod/*']}", "{hosts: ['./*']}"));
    const all = listeners(p);
    assert.equal((filterConfig(all.get('127.0.0.2_9080')).rds as Fields).route_config_name, '127.0.0.2_9080');
    assert.equal((filterConfig(all.get('0.0.0.0_9080')).rds as Fields).route_config_name, '9080');
    assert.deepEqual(all.get('0.0.0.0_9080')?.bind_to_port, { value: false });
    assert.deepEqual(routeNames(p), ['127.0.0.2_9080', '9080']);
    const vhostsOf = (name: string) => (generate(TYPE_URL.ROUTE, app, p, [name])[0]?.value.virtual_hosts as { name: string }[]).map((v) => v.name);
    assert.deepEqual(vhostsOf('127.0.0.2_9080'), ['ratings.prod.svc.cluster.local:9080', 'allow_any']);
    assert.deepEqual(vhostsOf('9080'), ['reviews.default.svc.cluster.local:9080', 'allow_any']);
    encodesAll(p, app);
  });

  it('bound to 0.0.0.0 it is the listener for its port: the catch-all yields 0.0.0.0_<port> and "<port>"', () => {
    const p = push(MESH + sidecar("{port: {number: 9080, protocol: HTTP, name: http}, bind: 0.0.0.0, hosts: ['prod/*']}", "{hosts: ['./*']}"));
    const l = listeners(p).get('0.0.0.0_9080') as Fields;
    assert.equal(l.bind_to_port, undefined, 'bound');
    assert.equal((filterConfig(l).rds as Fields).route_config_name, '9080');
    assert.deepEqual(routeNames(p), ['9080']);
    const [table] = generate(TYPE_URL.ROUTE, app, p, ['9080']);
    assert.equal((table?.value.virtual_hosts as { name: string }[])[0]?.name, 'ratings.prod.svc.cluster.local:9080');
  });

  it('HTTP_PROXY: the table routes every port of its hosts by Host, and takes absolute URLs', () => {
    const p = push(MESH + service('web', 'default', 80) + sidecar("{port: {number: 3128, protocol: HTTP_PROXY, name: proxy}, hosts: ['./*']}"));
    const l = listeners(p).get('127.0.0.1_3128');
    const hcm = filterConfig(l);
    assert.equal((hcm.rds as Fields).route_config_name, '3128');
    assert.deepEqual(hcm.http_protocol_options, { allow_absolute_url: { value: true } });
    const [table] = generate(TYPE_URL.ROUTE, app, p, ['3128']);
    const vhosts = (table?.value.virtual_hosts as { name: string }[]).map((v) => v.name);
    assert.deepEqual(vhosts, ['web.default.svc.cluster.local:80', 'reviews.default.svc.cluster.local:9080', 'allow_any']);
    encodesAll(p, app);
  });

  it('TCP: a tcp_proxy to the cluster of the service on that port', () => {
    const p = push(MESH + sidecar(`{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./${DB}']}`));
    const tcp = filterConfig(listeners(p).get('127.0.0.1_5432'));
    assert.equal(tcp['@type'], 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
    assert.equal(tcp.cluster, `outbound|5432||${DB}`);
    assert.deepEqual(routeNames(p), [], 'no route table for a TCP listener');
    encodesAll(p, app);
  });

  it('TCP: no protocol means TCP (Isthmus does not sniff)', () => {
    const p = push(MESH + sidecar(`{port: {number: 5432}, hosts: ['./${DB}']}`));
    assert.equal(filterConfig(listeners(p).get('127.0.0.1_5432')).cluster, `outbound|5432||${DB}`);
  });

  it('TCP: several services on the port and no VirtualService: the first by host name', () => {
    const p = push(MESH + sidecar("{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./*']}"));
    assert.equal(filterConfig(listeners(p).get('127.0.0.1_5432')).cluster, `outbound|5432||${CACHE}`);
  });

  it('TCP: a VirtualService tcp route\'s weighted destinations become weighted_clusters', () => {
    const vs = tcpVs(`    - route:
        - {destination: {host: db, subset: v1}, weight: 75}
        - {destination: {host: db, subset: v2}, weight: 25}
        - {destination: {host: cache}, weight: 0}`);
    const p = push(MESH + vs + sidecar("{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./*']}"));
    const tcp = filterConfig(listeners(p).get('127.0.0.1_5432'));
    assert.equal(tcp.cluster, undefined);
    assert.deepEqual(tcp.weighted_clusters, { clusters: [{ name: `outbound|5432|v1|${DB}`, weight: 75 }, { name: `outbound|5432|v2|${DB}`, weight: 25 }] });
    encodesAll(p, app);
  });

  it('TCP: the first tcp route whose match applies wins; a route for another port or other clients does not', () => {
    const vs = tcpVs(`    - match: [{port: 6000}]
      route: [{destination: {host: db, subset: v2}}]
    - match: [{sourceLabels: {app: other}}]
      route: [{destination: {host: db, subset: v2}}]
    - match: [{destinationSubnets: [10.0.0.0/8]}]
      route: [{destination: {host: db, subset: v2}}]
    - match: [{port: 5432, sourceLabels: {app: productpage}}]
      route: [{destination: {host: db, subset: v1}}]
    - route: [{destination: {host: db, subset: v2}}]`);
    const p = push(MESH + vs + sidecar(`{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./${DB}']}`));
    assert.equal(filterConfig(listeners(p).get('127.0.0.1_5432')).cluster, `outbound|5432|v1|${DB}`);
    assert.equal(filterConfig(listeners(p, proxy('sidecar', 'default', { app: 'reviews' })).get('127.0.0.1_5432')).cluster, `outbound|5432|v2|${DB}`, 'another client falls through to the last route');
  });

  it('TCP: a VirtualService with no tcp route that applies leaves the service\'s own cluster', () => {
    const vs = tcpVs(`    - match: [{port: 6000}]
      route: [{destination: {host: db, subset: v2}}]`);
    const p = push(MESH + vs + sidecar(`{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./${DB}']}`));
    assert.equal(filterConfig(listeners(p).get('127.0.0.1_5432')).cluster, `outbound|5432||${DB}`);
  });

  it('TCP: a VirtualService host outside the registry can route the port', () => {
    const vs = tcpVs('    - route: [{destination: {host: db, subset: v2}}]', '[legacy-db.example.com]');
    const p = push(MESH + vs + sidecar("{port: {number: 7777, protocol: TCP, name: tcp}, hosts: ['./legacy-db.example.com']}"));
    assert.equal(filterConfig(listeners(p).get('127.0.0.1_7777')).cluster, `outbound|5432|v2|${DB}`, 'the destination\'s only port');
  });

  it('TCP: nothing on the port, nothing to listen for', () => {
    const p = push(MESH + sidecar("{port: {number: 7777, protocol: TCP, name: tcp}, hosts: ['./*']}"));
    assert.ok(!listeners(p).has('127.0.0.1_7777'));
  });

  it('a Sidecar selected by workloadSelector decides over the namespace default', () => {
    const selected = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: pg-clients, namespace: default}
spec:
  workloadSelector: {labels: {app: productpage}}
  egress:
    - {port: {number: 5432, protocol: TCP, name: pg}, bind: 127.0.0.9, hosts: ['./${DB}']}
---
`;
    const p = push(MESH + selected + sidecar("{hosts: ['./*']}"));
    assert.equal(filterConfig(listeners(p).get('127.0.0.9_5432')).cluster, `outbound|5432||${DB}`);
    assert.ok(!listeners(p, proxy('sidecar', 'default', { app: 'reviews' })).has('127.0.0.9_5432'), 'other workloads get the default Sidecar');
  });

  it('clusters cover every egress listener\'s hosts', () => {
    const p = push(MESH + sidecar(`{port: {number: 5432, protocol: TCP, name: pg}, hosts: ['./${DB}']}`, "{hosts: ['prod/*']}"));
    const clusters = generate(TYPE_URL.CLUSTER, app, p).map((c) => c.name);
    assert.ok(clusters.includes(`outbound|5432||${DB}`));
    assert.ok(clusters.includes('outbound|9080||ratings.prod.svc.cluster.local'));
    assert.ok(!clusters.includes('outbound|9080||reviews.default.svc.cluster.local'));
  });
});
