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
