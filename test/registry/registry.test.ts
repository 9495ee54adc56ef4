import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceRegistry, RegistryError, buildRegistrySnapshot, protocolFromPortName, serviceKey, changedHosts } from '../../src/registry/index.js';
import { proxy, resources } from '../control/model/world.js';

const SE_STATIC = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: data}
spec:
  hosts: [db.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 5432, name: tcp-pg, targetPort: 15432}, {number: 8080, name: http-admin}]
  endpoints:
    - {address: 10.0.0.1, labels: {role: primary}, locality: us/east/1a, weight: 3}
    - {address: 10.0.0.2, ports: {tcp-pg: 6000}}
`;

const SE_DNS = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.example.com]
  resolution: DNS
  exportTo: [.]
  ports: [{number: 443, name: https}]
`;

const SELECTED = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vms, namespace: default}
spec:
  hosts: [vm-svc.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, targetPort: 8080}]
  workloadSelector: {labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: default}
spec: {address: 10.2.0.1, labels: {app: vm}, serviceAccount: vm-sa}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-other-ns, namespace: other}
spec: {address: 10.2.0.9, labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: lonely, namespace: default}
spec: {address: 10.3.0.1, labels: {app: lonely}, ports: {grpc: 7070, http-web: 8000}}
`;

class FakeTimers {
  pending = new Map<number, () => void>();
  next = 1;
  setTimeout = (fn: () => void) => {
    const id = this.next++;
    this.pending.set(id, fn);
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.pending.delete(h as number);
  };
  fireAll() {
    const fns = [...this.pending.values()];
    this.pending.clear();
    fns.forEach((f) => f());
  }
}

describe('protocol from port names', () => {
  for (const [name, want] of [['http', 'HTTP'], ['http-web', 'HTTP'], ['http2', 'HTTP2'], ['grpc', 'GRPC'], ['grpc-web', 'GRPC-WEB'], ['tcp-db', 'TCP'], ['tls', 'TLS'], ['https-api', 'HTTPS'], ['mongo', 'MONGO'], ['custom', 'TCP']] as const) {
    it(`${name} → ${want}`, () => assert.equal(protocolFromPortName(name), want));
  }
  it('an explicit protocol wins', () => assert.equal(protocolFromPortName('web', 'HTTP2'), 'HTTP2'));
});

describe('registry snapshot', () => {
  it('STATIC ServiceEntry: inline endpoints with target ports, labels, locality and weight', () => {
    const snap = buildRegistrySnapshot({ resources: resources(SE_STATIC) });
    const [svc] = snap.services;
    assert.ok(svc);
    assert.equal(svc.hostname, 'db.internal');
    assert.deepEqual(svc.ports.map((p) => [p.port, p.protocol]), [[5432, 'TCP'], [8080, 'HTTP']]);
    const eps = snap.endpoints.get(serviceKey(svc)) ?? [];
    const pg = eps.filter((e) => e.servicePort === 5432).map((e) => [e.address, e.port, e.weight, e.locality]);
    assert.deepEqual(pg, [['10.0.0.1', 15432, 3, 'us/east/1a'], ['10.0.0.2', 6000, 1, '']]);
    assert.ok(Object.isFrozen(snap.services));
  });

  it('DNS ServiceEntry without endpoints resolves its own host; exportTo "." is normalised', () => {
    const snap = buildRegistrySnapshot({ resources: resources(SE_DNS) });
    const [svc] = snap.services;
    assert.equal(svc?.location, 'MESH_EXTERNAL');
    assert.deepEqual(svc?.exportTo, ['default']);
    assert.deepEqual((snap.endpoints.get('default/api.example.com') ?? []).map((e) => [e.address, e.port]), [['api.example.com', 443]]);
  });

  it('workloadSelector selects WorkloadEntries of the same namespace only', () => {
    const snap = buildRegistrySnapshot({ resources: resources(SELECTED) });
    const eps = snap.endpoints.get('default/vm-svc.default.svc.cluster.local') ?? [];
    assert.deepEqual(eps.map((e) => [e.address, e.port, e.serviceAccount]), [['10.2.0.1', 8080, 'vm-sa']]);
  });

  it('an unselected workload with label app implies NAME.ns.svc.cluster.local from its ports', () => {
    const snap = buildRegistrySnapshot({ resources: resources(SELECTED) });
    const implied = snap.services.find((s) => s.hostname === 'lonely.default.svc.cluster.local');
    assert.ok(implied);
    assert.deepEqual(implied.ports.map((p) => [p.name, p.port, p.protocol]), [['grpc', 7070, 'GRPC'], ['http-web', 8000, 'HTTP']]);
    // The selected vm1 implies nothing; vm-other-ns (not selected: other namespace) implies vm.other.
    assert.equal(snap.services.some((s) => s.hostname === 'vm.default.svc.cluster.local'), false);
    assert.ok(snap.services.some((s) => s.hostname === 'vm.other.svc.cluster.local'));
  });

  it('changedHosts reports what differs', () => {
    const a = buildRegistrySnapshot({ resources: resources(SE_STATIC) });
    const b = buildRegistrySnapshot({ resources: resources(SE_STATIC.replace('10.0.0.2', '10.0.0.3')) });
    assert.deepEqual([...changedHosts(a, b)], ['db.internal']);
    assert.deepEqual([...changedHosts(a, a)], []);
  });
});

describe('ServiceRegistry', () => {
  const vm = proxy('sidecar', 'default', { app: 'shop', version: 'v1' }, { id: 'vm-1', registration: { service: 'shop', ports: { http: 8080 }, address: '10.5.0.1' }, locality: { region: 'eu', zone: 'w1' } });

  it('registers a workload as an implied service and drains before removing it', () => {
    const timers = new FakeTimers();
    const reg = new ServiceRegistry({ timers, drainMs: 1000 });
    const seen: number[] = [];
    reg.onChange((n) => seen.push(n.version));
    const s1 = reg.registerWorkload(vm);
    const eps1 = s1.endpoints.get('default/shop.default.svc.cluster.local') ?? [];
    assert.deepEqual(eps1.map((e) => [e.address, e.port, e.health, e.locality]), [['10.5.0.1', 8080, 'HEALTHY', 'eu/w1']]);
    const s2 = reg.unregisterWorkload('vm-1');
    assert.equal(s2.endpoints.get('default/shop.default.svc.cluster.local')?.[0]?.health, 'DRAINING');
    assert.notEqual(s1, s2);
    assert.equal(s1.endpoints.get('default/shop.default.svc.cluster.local')?.[0]?.health, 'HEALTHY', 'old snapshots never change');
    timers.fireAll();
    assert.equal(reg.snapshot().services.length, 0);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('re-registering cancels a pending drain; health can be set', () => {
    const timers = new FakeTimers();
    const reg = new ServiceRegistry({ timers });
    reg.registerWorkload(vm);
    reg.unregisterWorkload('vm-1');
    reg.registerWorkload(vm);
    assert.equal(timers.pending.size, 0);
    reg.setWorkloadHealth('vm-1', 'UNHEALTHY');
    assert.equal(reg.snapshot().endpoints.get('default/shop.default.svc.cluster.local')?.[0]?.health, 'UNHEALTHY');
  });

  it('a registered workload selected by a ServiceEntry joins that service instead', () => {
    const reg = new ServiceRegistry({ timers: new FakeTimers() });
    reg.setConfig(resources(SELECTED));
    reg.registerWorkload(proxy('sidecar', 'default', { app: 'vm' }, { id: 'vm-2', registration: { service: 'vm', ports: { http: 9000 }, address: '10.2.0.2' } }));
    const eps = reg.snapshot().endpoints.get('default/vm-svc.default.svc.cluster.local') ?? [];
    assert.deepEqual(eps.map((e) => [e.address, e.port]).sort(), [['10.2.0.1', 8080], ['10.2.0.2', 9000]]);
  });

  it('typed errors for unknown workloads and missing registrations', () => {
    const reg = new ServiceRegistry({ timers: new FakeTimers() });
    assert.throws(() => reg.unregisterWorkload('nope'), (e) => e instanceof RegistryError && e.code === 'NOT_REGISTERED');
    assert.throws(() => reg.registerWorkload(proxy('sidecar')), (e) => e instanceof RegistryError && e.code === 'NO_REGISTRATION');
  });
});
