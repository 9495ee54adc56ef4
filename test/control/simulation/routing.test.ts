// Table-driven simulation: config + proxy + request → the cluster (or action) that matched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteRequest } from '../../../src/proxy/router/route-match.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { proxy, service, world, type WorldOptions } from '../model/world.js';
import { draw, encodeAll, simulate, type Outcome } from './simulate.js';

const R = 'reviews.default.svc.cluster.local';
const c = (port: number, subset: string, host = R) => ({ cluster: `outbound|${port}|${subset}|${host}` });

const BASE = `${service('reviews', 'default', 9080, ['v1', 'v2', 'v3'])}${service('ratings', 'prod', 9080, ['v1'])}${service('web', 'default', 80, ['v1'])}
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
---
`;

function vs(http: string, extra = '', meta = 'name: reviews, namespace: default', hosts = '[reviews]'): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {${meta}}
spec:
  hosts: ${hosts}
${extra}  http:
${http}
---
`;
}

interface Case {
  name: string;
  config: string;
  proxy?: ProxyNode;
  /** Route table name; default the sidecar's "9080". */
  table?: string;
  req: Partial<RouteRequest> & { authority?: string };
  expect: Outcome;
  options?: WorldOptions;
}

const sidecar = proxy('sidecar', 'default', { app: 'productpage' });
const httpProxyMode = proxy('sidecar', 'default', { app: 'productpage' }, { httpProxyPort: 15001 });

/** The default namespace's Sidecar with these egress listeners (YAML flow maps). */
function egressSidecar(...listeners: string[]): string {
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
${listeners.map((l) => `    - ${l}`).join('\n')}
---
`;
}
const other = proxy('sidecar', 'other', { app: 'x' });
const grpcClient = proxy('proxyless', 'default');
const ingress = proxy('router', 'istio-system', { istio: 'ingressgateway' });

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]
---
`;

const CASES: Case[] = [
  { name: 'no VirtualService: default route to the service', config: BASE, req: {}, expect: c(9080, '') },
  { name: 'single destination with subset', config: BASE + vs('    - route: [{destination: {host: reviews, subset: v1}}]'), req: {}, expect: c(9080, 'v1') },
  {
    name: 'header exact match wins for jason',
    config: BASE + vs(`    - match: [{headers: {end-user: {exact: jason}}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { headers: { 'End-User': 'jason' } }, expect: c(9080, 'v2'),
  },
  {
    name: 'header mismatch falls through to the default route',
    config: BASE + vs(`    - match: [{headers: {end-user: {exact: jason}}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { headers: { 'end-user': 'bob' } }, expect: c(9080, 'v1'),
  },
  {
    name: 'match order: the first matching route wins over a later, more specific one',
    config: BASE + vs(`    - match: [{uri: {prefix: /api}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - match: [{uri: {prefix: /api/v3}}]
      route: [{destination: {host: reviews, subset: v3}}]`),
    req: { path: '/api/v3/x' }, expect: c(9080, 'v2'),
  },
  {
    name: 'exact uri match',
    config: BASE + vs(`    - match: [{uri: {exact: /login}}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/login' }, expect: c(9080, 'v3'),
  },
  {
    name: 'exact uri does not match a longer path',
    config: BASE + vs(`    - match: [{uri: {exact: /login}}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/login/more' }, expect: c(9080, 'v1'),
  },
  {
    name: 'regex uri match (RE2, whole path)',
    config: BASE + vs(`    - match: [{uri: {regex: '/items/[0-9]+'}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/items/42?x=1' }, expect: c(9080, 'v2'),
  },
  {
    name: 'ignoreUriCase',
    config: BASE + vs(`    - match: [{uri: {prefix: /Admin}, ignoreUriCase: true}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/ADMIN/panel' }, expect: c(9080, 'v3'),
  },
  {
    name: 'query parameter match',
    config: BASE + vs(`    - match: [{queryParams: {debug: {exact: 'true'}}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/x?debug=true' }, expect: c(9080, 'v2'),
  },
  {
    name: 'method match as :method',
    config: BASE + vs(`    - match: [{method: {exact: POST}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { method: 'POST' }, expect: c(9080, 'v2'),
  },
  {
    name: 'withoutHeaders matches when the header is absent',
    config: BASE + vs(`    - match: [{withoutHeaders: {x-canary: {exact: 'yes'}}}]
      route: [{destination: {host: reviews, subset: v1}}]
    - route: [{destination: {host: reviews, subset: v3}}]`),
    req: {}, expect: c(9080, 'v1'),
  },
  {
    name: 'withoutHeaders does not match when the header has the value',
    config: BASE + vs(`    - match: [{withoutHeaders: {x-canary: {exact: 'yes'}}}]
      route: [{destination: {host: reviews, subset: v1}}]
    - route: [{destination: {host: reviews, subset: v3}}]`),
    req: { headers: { 'x-canary': 'yes' } }, expect: c(9080, 'v3'),
  },
  {
    name: 'authority prefix match',
    config: BASE + vs(`    - match: [{authority: {prefix: reviews.default}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: { authority: 'reviews.default:9080' }, expect: c(9080, 'v2'),
  },
  {
    name: 'weighted destinations',
    config: BASE + vs(`    - route: [{destination: {host: reviews, subset: v1}, weight: 80}, {destination: {host: reviews, subset: v2}, weight: 20}]`),
    req: {}, expect: { weighted: [[c(9080, 'v1').cluster, 80], [c(9080, 'v2').cluster, 20]] },
  },
  {
    name: 'redirect',
    config: BASE + vs(`    - match: [{uri: {prefix: /old}}]
      redirect: {uri: /new, redirectCode: 302}`),
    req: { path: '/old/page' }, expect: { redirect: { response_code: 'FOUND', path_redirect: '/new' } },
  },
  {
    name: 'direct response',
    config: BASE + vs(`    - match: [{uri: {exact: /health}}]
      directResponse: {status: 204}`),
    req: { path: '/health' }, expect: { status: 204 },
  },
  {
    name: 'no route matches: 404',
    config: BASE + vs(`    - match: [{uri: {prefix: /only}}]
      route: [{destination: {host: reviews, subset: v1}}]`),
    req: { path: '/elsewhere' }, expect: { notFound: true },
  },
  { name: 'short host with port from the same namespace', config: BASE, req: { authority: 'reviews:9080' }, expect: c(9080, '') },
  { name: 'short host without port from the same namespace', config: BASE, req: { authority: 'reviews' }, expect: c(9080, '') },
  { name: 'FQDN with port', config: BASE, proxy: other, req: { authority: `${R}:9080` }, expect: c(9080, '') },
  { name: 'name.namespace from another namespace', config: BASE, proxy: other, req: { authority: 'reviews.default' }, expect: c(9080, '') },
  { name: 'bare short name from another namespace is not the service (passthrough)', config: BASE, proxy: other, req: { authority: 'reviews' }, expect: { cluster: 'PassthroughCluster' } },
  { name: 'REGISTRY_ONLY blocks unknown hosts', config: BASE, req: { authority: 'unknown.example.com' }, expect: { status: 502 }, options: { mesh: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } } },
  {
    name: 'VirtualService bound only to a gateway does not apply to sidecars',
    config: BASE + GATEWAY + vs('    - route: [{destination: {host: reviews, subset: v3}}]', '  gateways: [istio-system/edge]\n'),
    req: {}, expect: c(9080, ''),
  },
  {
    name: 'VirtualService bound to a gateway routes at that gateway',
    config: BASE + GATEWAY + vs('    - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v3, port: {number: 9080}}}]', '  gateways: [istio-system/edge]\n', 'name: bookinfo, namespace: default', '[bookinfo.example.com]'),
    proxy: ingress, table: 'http.80', req: { authority: 'bookinfo.example.com' }, expect: c(9080, 'v3'),
  },
  {
    name: 'match.gateways: a gateway-only route is skipped for the mesh',
    config: BASE + GATEWAY + vs(`    - match: [{gateways: [istio-system/edge]}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`, '  gateways: [mesh, istio-system/edge]\n'),
    req: {}, expect: c(9080, 'v1'),
  },
  {
    name: 'match.gateways: the gateway takes its own route',
    config: BASE + GATEWAY + vs(`    - match: [{gateways: [istio-system/edge]}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`, '  gateways: [mesh, istio-system/edge]\n'),
    proxy: ingress, table: 'http.80', req: { authority: R }, expect: c(9080, 'v3'),
  },
  {
    name: 'sourceLabels select the route for matching clients',
    config: BASE + vs(`    - match: [{sourceLabels: {app: productpage}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: {}, expect: c(9080, 'v2'),
  },
  {
    name: 'sourceLabels skip the route for other clients',
    config: BASE + vs(`    - match: [{sourceLabels: {app: productpage}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    proxy: other, req: { authority: `${R}:9080` }, expect: c(9080, 'v1'),
  },
  {
    name: 'Sidecar egress scope hides services of other namespaces',
    config: `${BASE}apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress: [{hosts: [./*]}]
---
`,
    req: { authority: 'ratings.prod:9080' }, expect: { cluster: 'PassthroughCluster' },
  },
  {
    name: 'without a Sidecar the other namespace is reachable',
    config: BASE, req: { authority: 'ratings.prod:9080' }, expect: c(9080, '', 'ratings.prod.svc.cluster.local'),
  },
  {
    name: 'exportTo "." keeps a VirtualService in its namespace',
    config: BASE + vs('    - route: [{destination: {host: ratings, subset: v9}}]', '  exportTo: [.]\n', 'name: ratings, namespace: prod', '[ratings]'),
    req: { authority: 'ratings.prod:9080' }, expect: c(9080, '', 'ratings.prod.svc.cluster.local'),
  },
  {
    name: 'a VirtualService exported everywhere applies in other namespaces, destinations resolved in its own',
    config: BASE + vs('    - route: [{destination: {host: ratings, subset: v9}}]', '', 'name: ratings, namespace: prod', '[ratings]'),
    req: { authority: 'ratings.prod:9080' }, expect: c(9080, 'v9', 'ratings.prod.svc.cluster.local'),
  },
  {
    name: 'ServiceEntry exportTo "." hides the service from other namespaces',
    config: BASE.replace('hosts: [web.default.svc.cluster.local]', 'hosts: [web.default.svc.cluster.local]\n  exportTo: [.]'),
    proxy: other, table: '80', req: { authority: 'web.default' }, expect: { noRouteTable: true },
  },
  {
    name: 'destination without port on a one-port service uses that port',
    config: BASE + vs('    - route: [{destination: {host: web}}]'), req: {}, expect: c(80, '', 'web.default.svc.cluster.local'),
  },
  {
    name: 'destination port given explicitly',
    config: BASE + vs('    - route: [{destination: {host: reviews, port: {number: 9999}}}]'), req: {}, expect: c(9999, ''),
  },
  {
    name: 'proxyless: header match at host:port',
    config: BASE + vs(`    - match: [{headers: {x-tier: {prefix: gold}}}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    proxy: grpcClient, table: 'reviews:9080', req: { authority: 'reviews:9080', headers: { 'x-tier': 'gold-plus' } }, expect: c(9080, 'v3'),
  },
  {
    name: 'proxyless: FQDN target, default route',
    config: BASE, proxy: grpcClient, table: `${R}:9080`, req: { authority: `${R}:9080` }, expect: c(9080, ''),
  },
  { name: 'HTTP proxy mode: Host with port', config: BASE, proxy: httpProxyMode, table: 'http_proxy', req: { authority: 'reviews:9080' }, expect: c(9080, '') },
  { name: 'HTTP proxy mode: port-80 service without port', config: BASE, proxy: httpProxyMode, table: 'http_proxy', req: { authority: 'web' }, expect: c(80, '', 'web.default.svc.cluster.local') },
  { name: 'HTTP proxy mode from the mesh\'s proxyHttpPort', config: BASE, table: 'http_proxy', options: { mesh: { proxyHttpPort: 15001 } }, req: { authority: 'reviews:9080' }, expect: c(9080, '') },
  { name: 'no http_proxy table unless the proxy or the mesh sets proxyHttpPort', config: BASE, table: 'http_proxy', req: { authority: 'reviews:9080' }, expect: { noRouteTable: true } },
  {
    name: 'a proxy\'s proxyHttpPort 0 turns off the mesh\'s HTTP proxy mode',
    config: BASE, proxy: proxy('sidecar', 'default', { app: 'productpage' }, { httpProxyPort: 0 }), table: 'http_proxy', options: { mesh: { proxyHttpPort: 15001 } },
    req: { authority: 'reviews:9080' }, expect: { noRouteTable: true },
  },
  {
    name: 'Sidecar egress listener with a port: its own table, scoped to its hosts',
    config: BASE + egressSidecar("{port: {number: 9080, protocol: HTTP, name: http}, hosts: ['prod/*']}"), table: '9080',
    req: { authority: 'ratings.prod:9080' }, expect: c(9080, '', 'ratings.prod.svc.cluster.local'),
  },
  {
    name: 'Sidecar egress listener with a port: hosts outside it fall to the catch-all route',
    config: BASE + egressSidecar("{port: {number: 9080, protocol: HTTP, name: http}, hosts: ['prod/*']}"), table: '9080',
    req: { authority: 'reviews:9080' }, expect: { cluster: 'PassthroughCluster' },
  },
  {
    name: 'egress listener sharing its port with the catch-all: table <bind>_<port> holds only its hosts',
    config: BASE + egressSidecar("{port: {number: 9080, protocol: HTTP, name: http}, hosts: ['prod/*']}", "{hosts: ['./*']}"), table: '127.0.0.1_9080',
    req: { authority: 'ratings.prod:9080' }, expect: c(9080, '', 'ratings.prod.svc.cluster.local'),
  },
  {
    name: 'egress listener sharing its port with the catch-all: the catch-all table "9080" keeps the catch-all hosts',
    config: BASE + egressSidecar("{port: {number: 9080, protocol: HTTP, name: http}, hosts: ['prod/*']}", "{hosts: ['./*']}"), table: '9080',
    req: { authority: 'ratings.prod:9080' }, expect: { cluster: 'PassthroughCluster' },
  },
  {
    name: 'wildcard VirtualService host covers a ServiceEntry host',
    config: `${BASE}apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  endpoints: [{address: 192.0.2.1}]
---
${vs('    - route: [{destination: {host: api.example.com, subset: blue}}]', '', 'name: wild, namespace: default', "['*.example.com']")}`,
    req: { authority: 'api.example.com:9080' }, expect: c(9080, 'blue', 'api.example.com'),
  },
  {
    name: 'match.port restricts a route to its port',
    config: BASE + vs(`    - match: [{port: 8000}]
      route: [{destination: {host: reviews, subset: v3}}]
    - route: [{destination: {host: reviews, subset: v1}}]`),
    req: {}, expect: c(9080, 'v1'),
  },
  {
    name: 'gateway server hosts restricted to another namespace: nothing bound (404)',
    config: BASE + GATEWAY.replace("hosts: ['*']", "hosts: ['prod/*']") + vs('    - route: [{destination: {host: reviews, subset: v3}}]', '  gateways: [istio-system/edge]\n', 'name: bookinfo, namespace: default', '[bookinfo.example.com]'),
    proxy: ingress, table: 'http.80', req: { authority: 'bookinfo.example.com' }, expect: { status: 404 },
  },
  {
    name: 'a router the Gateway does not select has no route table',
    config: BASE + GATEWAY, proxy: proxy('router', 'istio-system', { istio: 'egress' }), table: 'http.80', req: {}, expect: { noRouteTable: true },
  },
];

describe('routing simulation', () => {
  for (const k of CASES) {
    it(k.name, () => {
      const push = world(k.config, k.options);
      const out = simulate(push, k.proxy ?? sidecar, k.table ?? '9080', { authority: 'reviews.default.svc.cluster.local:9080', ...k.req });
      assert.deepEqual(out, k.expect);
    });
  }

  it('every resource generated for every case and client kind passes the xDS encoder', () => {
    let encoded = 0;
    for (const k of CASES) {
      const push = world(k.config, k.options);
      for (const p of [k.proxy ?? sidecar, proxy('proxyless', 'default'), proxy('router', 'istio-system', { istio: 'ingressgateway' })]) {
        try {
          encoded += encodeAll(push, p);
        } catch (e) {
          assert.fail(`${k.name} (${p.type}): ${(e as Error).message}`);
        }
      }
    }
    assert.ok(encoded > 100, `encoded ${encoded} resources`);
  });

  it('weighted draws land in proportion to the weights', () => {
    const push = world(BASE + vs('    - route: [{destination: {host: reviews, subset: v1}, weight: 80}, {destination: {host: reviews, subset: v2}, weight: 20}]'));
    const out = simulate(push, sidecar, '9080', { authority: 'reviews' });
    assert.equal(draw(out, 0.1), c(9080, 'v1').cluster);
    assert.equal(draw(out, 0.79), c(9080, 'v1').cluster);
    assert.equal(draw(out, 0.81), c(9080, 'v2').cluster);
  });
});
