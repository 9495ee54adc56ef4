// Sidecar and gateway output, checked field by field against the Envoy protos and encoded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from '../../../src/control/translate/generators.js';
import { TYPE_URL, type TypeUrl } from '../../../src/control/xds/resource.js';
import { proxy, service, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

const MESH = `${service('reviews', 'default', 9080, ['v1', 'v2'])}${service('web', 'default', 80, ['v1'])}${service('api', 'default', 9443, ['v1'], 'grpc')}
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: default}
spec:
  hosts: [httpbin.org]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  gateways: [mesh, edge]
  http:
    - match: [{uri: {regex: '/v[0-9]+/.*'}, ignoreUriCase: true, withoutHeaders: {x-debug: {}}, queryParams: {q: {exact: ''}}}]
      rewrite: {uri: /rewritten, authority: reviews.internal}
      corsPolicy: {allowOrigins: [{exact: 'https://a.example'}], allowMethods: [GET, POST], maxAge: 24h, allowCredentials: true}
      headers: {request: {set: {x-a: '1'}, add: {x-b: '2'}, remove: [x-c]}, response: {remove: [server]}}
      mirror: {host: web}
      mirrorPercentage: {value: 12.5}
      route: [{destination: {host: reviews, subset: v2}, headers: {request: {set: {x-dest: v2}}}}]
    - match: [{uri: {exact: /gone}}]
      directResponse: {status: 410, body: {string: gone}}
    - match: [{uri: {prefix: /old}}]
      redirect: {uri: /new, authority: web, redirectCode: 308}
    - match: [{uri: {prefix: /r}}]
      rewrite: {uriRegexRewrite: {match: '^/r/(.*)$', rewrite: '/\\\\1'}}
      route: [{destination: {host: reviews}}]
    - route: [{destination: {host: reviews, subset: v1}, weight: 90}, {destination: {host: reviews, subset: v2}, weight: 10}]
      fault: {delay: {fixedDelay: 2s, percent: 5}}
      retries: {attempts: 2, retryOn: '5xx,503'}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN, localityLbSetting: {distribute: [{from: 'us/*', to: {'us/a': 80, 'us/b': 20}}]}}
    connectionPool:
      tcp: {maxConnections: 10, connectTimeout: 2s, tcpKeepalive: {probes: 3, time: 60s, interval: 10s}}
      http: {http1MaxPendingRequests: 5, maxRequestsPerConnection: 1, idleTimeout: 30s, h2UpgradePolicy: UPGRADE}
    outlierDetection: {consecutive5xxErrors: 2, consecutiveGatewayErrors: 1, interval: 5s, baseEjectionTime: 1m, minHealthPercent: 30}
    tls: {mode: ISTIO_MUTUAL}
  subsets:
    - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {maglev: {tableSize: 65537}, httpCookie: {name: s, ttl: 10s}}}}}
    - {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem, sni: r.example}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: external, namespace: default}
spec:
  host: httpbin.org
  trafficPolicy: {tls: {mode: SIMPLE, credentialName: httpbin-ca}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
    - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*'], tls: {httpsRedirect: true}}
    - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ['reviews.example.com'], tls: {mode: SIMPLE, credentialName: reviews-cert}}
`;

const TYPES: TypeUrl[] = [TYPE_URL.LISTENER, TYPE_URL.ROUTE, TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT];

describe('Envoy field names and encoding', () => {
  const push = world(MESH, {
    registered: [proxy('sidecar', 'default', { app: 'reviews', version: 'v1' }, {
      id: 'sidecar~10.9.9.9~reviews-vm.default~default.svc.cluster.local',
      registration: { service: 'reviews-vm', ports: { http: 9080, 'grpc-api': 7070 }, address: '10.9.9.9' },
      metadata: { ISTHMUS_APP_PORTS: { http: 19080 } },
    })],
  });
  const clients = {
    sidecar: proxy('sidecar', 'default', { app: 'reviews', version: 'v1' }, { id: 'sidecar~10.9.9.9~reviews-vm.default~default.svc.cluster.local', registration: { service: 'reviews-vm', ports: { http: 9080, 'grpc-api': 7070 }, address: '10.9.9.9' }, metadata: { ISTHMUS_APP_PORTS: { http: 19080 } }, locality: { region: 'us', zone: 'a' } }),
    router: proxy('router', 'default', { istio: 'ingressgateway' }),
  };
  for (const [kind, p] of Object.entries(clients)) {
    for (const t of TYPES) {
      it(`${kind}: every ${t.split('.').pop()} uses real Envoy fields and encodes`, () => {
        const out = generate(t, p, push);
        assert.ok(out.length > 0, 'generated something');
        for (const r of out) assert.doesNotThrow(() => encodeResource(r), r.name);
      });
    }
  }

  it('sidecar: inbound listener and cluster forward to the app port on loopback', () => {
    const clusters = generate(TYPE_URL.CLUSTER, clients.sidecar, push).map((c) => c.value);
    const inbound = clusters.find((c) => c.name === 'inbound|9080||reviews-vm.default.svc.cluster.local') as Record<string, unknown>;
    assert.ok(inbound);
    const la = inbound.load_assignment as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: unknown } } }[] }[] };
    assert.deepEqual(la.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address, { address: '127.0.0.1', port_value: 19080 });
    const listeners = generate(TYPE_URL.LISTENER, clients.sidecar, push).map((l) => l.name);
    assert.ok(listeners.includes('inbound_10.9.9.9_9080'));
    assert.ok(listeners.includes('inbound_10.9.9.9_7070'));
    assert.ok(!listeners.includes('127.0.0.1_15001'), 'no HTTP-proxy listener without proxyHttpPort');
  });

  it('sidecar: DNS service becomes a STRICT_DNS cluster with SIMPLE TLS from SDS', () => {
    const [c] = generate(TYPE_URL.CLUSTER, clients.sidecar, push, ['outbound|443||httpbin.org']);
    assert.equal(c?.value.type, 'STRICT_DNS');
    const ts = c?.value.transport_socket as { typed_config: { common_tls_context: { combined_validation_context: { validation_context_sds_secret_config: { name: string } } } } };
    assert.equal(ts.typed_config.common_tls_context.combined_validation_context.validation_context_sds_secret_config.name, 'kubernetes://httpbin-ca-cacert');
  });

  it('sidecar: ISTIO_MUTUAL references the default and ROOTCA secrets', () => {
    const [c] = generate(TYPE_URL.CLUSTER, clients.sidecar, push, ['outbound|9080||reviews.default.svc.cluster.local']);
    const ctx = (c?.value.transport_socket as { typed_config: Record<string, Record<string, unknown>> }).typed_config;
    assert.equal((ctx.common_tls_context?.tls_certificate_sds_secret_configs as { name: string }[])[0]?.name, 'default');
    assert.equal(ctx.sni, 'outbound_.9080_._.reviews.default.svc.cluster.local');
  });

  it('sidecar: locality distribute reweights localities', () => {
    const [cla] = generate(TYPE_URL.ENDPOINT, clients.sidecar, push, ['outbound|9080||reviews.default.svc.cluster.local']);
    // The test endpoints carry no locality, which no `to` entry names: they are dropped.
    assert.deepEqual(cla?.value.endpoints, []);
  });

  it('router: HTTPS server gets an SNI filter chain with its SDS certificate', () => {
    const [l443] = generate(TYPE_URL.LISTENER, clients.router, push, ['0.0.0.0_443']);
    const chain = (l443?.value.filter_chains as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.deepEqual(chain.filter_chain_match, { server_names: ['reviews.example.com'], transport_protocol: 'tls' });
    const [rc] = generate(TYPE_URL.ROUTE, clients.router, push, ['http.80']);
    const vhosts = rc?.value.virtual_hosts as Record<string, unknown>[];
    assert.equal(vhosts[0]?.require_tls, 'ALL');
  });
});
