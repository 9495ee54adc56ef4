import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeForRegistry } from '../../../src/control/model/change.js';
import { buildRegistrySnapshot } from '../../../src/registry/snapshot.js';
import { resources, service } from './world.js';

const dns = (address: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
  endpoints: [{address: ${address}}]
`;

test('a moved endpoint of a STATIC service is an endpoints-only change', () => {
  const before = buildRegistrySnapshot({ resources: resources(service('reviews', 'default', 9080, ['v1', 'v2'])) });
  const after = buildRegistrySnapshot({ resources: resources(service('reviews', 'default', 9080, ['v1', 'v2']).replace('10.1.7.2', '10.1.7.9')) });
  const change = changeForRegistry(before, after);
  assert.equal(change.endpointsOnly, true);
  assert.deepEqual([...(change.hosts ?? [])], ['reviews.default.svc.cluster.local']);
});

test('a new port, or a DNS service whose clusters carry endpoints, is not', () => {
  const before = buildRegistrySnapshot({ resources: resources(service('reviews', 'default', 9080, ['v1'])) });
  const newPort = buildRegistrySnapshot({ resources: resources(service('reviews', 'default', 9090, ['v1'])) });
  assert.equal(changeForRegistry(before, newPort).endpointsOnly, false);
  const a = buildRegistrySnapshot({ resources: resources(dns('a.example.net')) });
  const b = buildRegistrySnapshot({ resources: resources(dns('b.example.net')) });
  assert.equal(changeForRegistry(a, b).endpointsOnly, false);
});

test('an endpoint with another service account changes clusters (their mTLS SANs) too', () => {
  const se = (sa: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  endpoints: [{address: 10.0.0.1, serviceAccount: ${sa}}]
`;
  const a = buildRegistrySnapshot({ resources: resources(se('a')) });
  const b = buildRegistrySnapshot({ resources: resources(se('b')) });
  assert.equal(changeForRegistry(a, b).endpointsOnly, false);
});

test('an unchanged entry keeps its service and endpoint objects in the next snapshot, so change detection compares by identity', () => {
  const [reviews, ratings] = resources(`${service('reviews', 'default', 9080, ['v1'])}${service('ratings', 'default', 9080, ['v1'])}`);
  const a = buildRegistrySnapshot({ resources: [reviews!, ratings!] });
  const moved = resources(service('ratings', 'default', 9080, ['v1']).replace('10.1.7.1', '10.1.7.9'))[0]!;
  const b = buildRegistrySnapshot({ resources: [reviews!, moved] });
  const find = (snap: typeof a, host: string) => snap.services.find((s) => s.hostname === host);
  assert.equal(find(b, 'reviews.default.svc.cluster.local'), find(a, 'reviews.default.svc.cluster.local'));
  assert.equal(b.endpoints.get('default/reviews.default.svc.cluster.local'), a.endpoints.get('default/reviews.default.svc.cluster.local'));
  assert.notEqual(b.endpoints.get('default/ratings.default.svc.cluster.local'), a.endpoints.get('default/ratings.default.svc.cluster.local'));
  const change = changeForRegistry(a, b);
  assert.deepEqual([...(change.hosts ?? [])], ['ratings.default.svc.cluster.local']);
  assert.equal(change.endpointsOnly, true);
});

test('a ServiceEntry with a workloadSelector is rebuilt every time: its endpoints follow the workloads', () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vms, namespace: default}
spec:
  hosts: [vm.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http}]
  workloadSelector: {labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: default}
spec: {address: 10.2.0.1, labels: {app: vm}}
`;
  const all = resources(yaml);
  const with1 = buildRegistrySnapshot({ resources: all });
  const without = buildRegistrySnapshot({ resources: all.filter((r) => r.kind !== 'WorkloadEntry') });
  assert.equal(with1.endpoints.get('default/vm.default.svc.cluster.local')?.length, 1);
  assert.deepEqual(without.endpoints.get('default/vm.default.svc.cluster.local'), []);
});
