import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMeshConfig } from '../../../src/api/mesh/resolve.js';
import { affects, buildPushContext, changeForRegistry, changeForResource, mergeChanges, next, type PushInputs } from '../../../src/control/model/index.js';
import { buildRegistrySnapshot } from '../../../src/registry/snapshot.js';
import { proxy, resources, service, world } from './world.js';

function dr(name: string, ns: string, host: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${ns}}
spec:
  host: ${host}
${extra}---
`;
}

const ROOT = 'isthmus-system';
const SERVICES = service('reviews', 'prod') + service('ratings', 'prod') + service('web', 'default');

describe('DestinationRule lookup order', () => {
  const cases: { name: string; rules: string; proxyNs: string; want: string | undefined }[] = [
    { name: 'proxy namespace first', rules: dr('local', 'default', 'reviews.prod.svc.cluster.local') + dr('svc', 'prod', 'reviews') + dr('root', ROOT, 'reviews.prod.svc.cluster.local'), proxyNs: 'default', want: 'default/local' },
    { name: 'then the service namespace', rules: dr('svc', 'prod', 'reviews') + dr('root', ROOT, 'reviews.prod.svc.cluster.local'), proxyNs: 'default', want: 'prod/svc' },
    { name: 'then the root namespace', rules: dr('root', ROOT, 'reviews.prod.svc.cluster.local'), proxyNs: 'default', want: `${ROOT}/root` },
    { name: 'most specific host wins within a namespace', rules: dr('wild', 'prod', '"*.prod.svc.cluster.local"') + dr('exact', 'prod', 'reviews'), proxyNs: 'default', want: 'prod/exact' },
    { name: 'a longer wildcard beats "*"', rules: dr('all', 'prod', '"*"') + dr('wild', 'prod', '"*.svc.cluster.local"'), proxyNs: 'default', want: 'prod/wild' },
    { name: 'a rule not exported to the proxy namespace is skipped', rules: dr('svc', 'prod', 'reviews', '  exportTo: [.]\n') + dr('root', ROOT, 'reviews.prod.svc.cluster.local'), proxyNs: 'default', want: `${ROOT}/root` },
    { name: 'a rule in another namespace is invisible', rules: dr('elsewhere', 'team', 'reviews.prod.svc.cluster.local'), proxyNs: 'default', want: undefined },
    { name: 'workloadSelector rules apply only to selected workloads', rules: dr('sel', 'default', 'reviews.prod.svc.cluster.local', '  workloadSelector: {matchLabels: {app: other}}\n  exportTo: [.]\n') + dr('svc', 'prod', 'reviews'), proxyNs: 'default', want: 'prod/svc' },
  ];
  for (const k of cases) {
    it(k.name, () => {
      const push = world(SERVICES + k.rules);
      const found = push.destinationRule(proxy('sidecar', k.proxyNs, { app: 'x' }), 'reviews.prod.svc.cluster.local', 'prod');
      assert.equal(found ? `${found.namespace}/${found.name}` : undefined, k.want);
    });
  }
});

describe('visibility', () => {
  it('VirtualServices are indexed by gateway with mesh as default, hosts resolved in their namespace', () => {
    const push = world(`${SERVICES}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: prod}
spec:
  hosts: [reviews]
  gateways: [edge, mesh, other/gw]
  http: [{route: [{destination: {host: reviews}}]}]
`);
    const idx = push.indexes.virtualServices;
    assert.deepEqual([...idx.byGateway.keys()].sort(), ['mesh', 'other/gw', 'prod/edge']);
    assert.deepEqual([...idx.byHost.keys()], ['reviews.prod.svc.cluster.local']);
  });

  it('exportTo limits VirtualServices to the listed namespaces', () => {
    const push = world(`${SERVICES}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: prod}
spec:
  hosts: [reviews]
  exportTo: [., team]
  http: [{route: [{destination: {host: reviews}}]}]
`);
    assert.equal(push.virtualServicesFor(proxy('sidecar', 'prod')).length, 1);
    assert.equal(push.virtualServicesFor(proxy('sidecar', 'team')).length, 1);
    assert.equal(push.virtualServicesFor(proxy('sidecar', 'default')).length, 0);
  });

  it('Sidecar scope: workload selector beats the namespace default, which beats the root default', () => {
    const sidecars = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: root, namespace: ${ROOT}}
spec: {egress: [{hosts: ['*/*']}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ns-default, namespace: default}
spec: {egress: [{hosts: [./*]}]}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: special, namespace: default}
spec:
  workloadSelector: {labels: {app: special}}
  egress: [{hosts: [prod/ratings.prod.svc.cluster.local]}]
`;
    const push = world(SERVICES + sidecars);
    const hosts = (p: ReturnType<typeof proxy>) => push.servicesFor(p).map((s) => s.hostname);
    assert.deepEqual(hosts(proxy('sidecar', 'default', { app: 'special' })), ['ratings.prod.svc.cluster.local']);
    assert.deepEqual(hosts(proxy('sidecar', 'default', { app: 'plain' })), ['web.default.svc.cluster.local']);
    assert.deepEqual(hosts(proxy('sidecar', 'team')).length, 3);
  });
});

describe('incremental rebuild and affects', () => {
  const base = resources(SERVICES + dr('reviews', 'prod', 'reviews'));
  const mesh = resolveMeshConfig({});
  const inputs = (res = base): PushInputs => ({ resources: res, registry: buildRegistrySnapshot({ resources: res }), mesh });

  it('next() reuses the indexes of kinds that did not change', () => {
    const first = buildPushContext({ ...inputs() });
    const withVs = [...base, ...resources(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: prod}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
`)];
    const change = changeForResource(undefined, withVs[withVs.length - 1]);
    const second = next(first, { ...inputs(withVs), registry: first.registry }, change);
    assert.equal(second.version, '2');
    assert.equal(second.indexes.destinationRules, first.indexes.destinationRules);
    assert.equal(second.indexes.services, first.indexes.services);
    assert.equal(second.indexes.sidecars, first.indexes.sidecars);
    assert.notEqual(second.indexes.virtualServices, first.indexes.virtualServices);
    assert.equal(second.virtualServicesFor(proxy('sidecar', 'default')).length, 1);
  });

  it('a DestinationRule change affects only proxies that can see its host', () => {
    const scoped = resources(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: only-web, namespace: web}
spec: {egress: [{hosts: [default/web.default.svc.cluster.local]}]}
`);
    const push = buildPushContext(inputs([...base, ...scoped]));
    const change = changeForResource(undefined, base.find((r) => r.kind === 'DestinationRule'));
    assert.equal(affects(change, proxy('sidecar', 'default'), push), true);
    assert.equal(affects(change, proxy('proxyless', 'default'), push), true);
    assert.equal(affects(change, proxy('sidecar', 'web'), push), false);
  });

  it('Sidecar changes affect their namespace; Gateway changes affect routers only', () => {
    const push = buildPushContext(inputs());
    const sc = resources(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s, namespace: team}
spec: {egress: [{hosts: [./*]}]}
`)[0];
    const change = changeForResource(undefined, sc);
    assert.equal(affects(change, proxy('sidecar', 'team'), push), true);
    assert.equal(affects(change, proxy('sidecar', 'default'), push), false);
    const gw = changeForResource(undefined, resources(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: g, namespace: default}
spec: {servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]}
`)[0]);
    assert.equal(affects(gw, proxy('router', 'default'), push), true);
    assert.equal(affects(gw, proxy('sidecar', 'default'), push), false);
  });

  it('registry changes name the hosts whose endpoints moved; merged changes keep them', () => {
    const before = buildRegistrySnapshot({ resources: base });
    const moved = resources(SERVICES.replace('10.1.4.1', '10.1.4.9') + dr('reviews', 'prod', 'reviews'));
    const after = buildRegistrySnapshot({ resources: moved });
    const change = changeForRegistry(before, after);
    assert.deepEqual([...(change.hosts ?? [])], ['reviews.prod.svc.cluster.local']);
    const push = buildPushContext({ resources: moved, registry: after, mesh });
    const scoped = buildPushContext({ resources: [...moved, ...resources(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: only-web, namespace: web}
spec: {egress: [{hosts: [default/web.default.svc.cluster.local]}]}
`)], registry: after, mesh });
    assert.equal(affects(change, proxy('sidecar', 'default'), push), true);
    assert.equal(affects(change, proxy('sidecar', 'web'), scoped), false);
    const merged = mergeChanges(change, { kinds: new Set(['Sidecar']), namespaces: new Set(['web']) });
    assert.deepEqual([...(merged.hosts ?? [])], ['reviews.prod.svc.cluster.local']);
    assert.equal(affects(merged, proxy('sidecar', 'web'), scoped), true);
  });
});
