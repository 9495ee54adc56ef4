import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOnlyError as expectOnly, resourceYaml, specsOf as expectValid } from '../helpers/config.js';
import type { ServiceEntrySpec } from '../../src/api/networking/service-entry.js';
import type { WorkloadEntrySpec } from '../../src/api/networking/workload-entry.js';

/** A resource of `kind` whose spec starts on line 6: `spec` lines are given without indentation. */
function res(kind: string, ...spec: string[]): string {
  return resourceYaml('networking.istio.io/v1', kind, spec);
}
const se = (...spec: string[]) => res('ServiceEntry', ...spec);
const we = (...spec: string[]) => res('WorkloadEntry', ...spec);



test('reference: external HTTPS APIs routed by SNI', () => {
  const [spec] = expectValid<ServiceEntrySpec>(se(
    'hosts:', '- api.dropboxapi.com', '- www.googleapis.com', '- api.facebook.com',
    'location: MESH_EXTERNAL', 'ports:', '- number: 443', '  name: https', '  protocol: TLS', 'resolution: DNS',
  ));
  assert.equal(spec?.hosts.length, 3);
  assert.equal(spec?.ports?.[0]?.protocol, 'TLS');
});

test('reference: MongoDB VMs with VIPs and static endpoints', () => {
  const [spec] = expectValid<ServiceEntrySpec>(se(
    'hosts:', '- mymongodb.somedomain # not used', 'addresses:', '- 192.192.192.192/24 # VIPs',
    'ports:', '- number: 27018', '  name: mongodb', '  protocol: MONGO',
    'location: MESH_INTERNAL', 'resolution: STATIC', 'endpoints:', '- address: 2.2.2.2', '- address: 3.3.3.3',
  ));
  assert.deepEqual(spec?.endpoints?.map((e) => e.address), ['2.2.2.2', '3.3.3.3']);
});

test('reference: wildcard hosts with NONE, a unix socket, DNS endpoints with port maps', () => {
  expectValid(se('hosts:', '- wikipedia.org', '- "*.wikipedia.org"', 'location: MESH_EXTERNAL', 'ports:', '- number: 443', '  name: https', '  protocol: TLS', 'resolution: NONE'));
  expectValid(se('hosts:', '- "example.unix.local"', 'location: MESH_EXTERNAL', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP', 'resolution: STATIC', 'endpoints:', '- address: unix:///var/run/example/socket'));
  const [spec] = expectValid<ServiceEntrySpec>(se(
    'hosts:', '- foo.bar.com', 'location: MESH_EXTERNAL', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP', 'resolution: DNS',
    'endpoints:', '- address: us.foo.bar.com', '  ports:', '    http: 8080', '- address: uk.foo.bar.com', '  ports:', '    http: 9080',
  ));
  assert.equal(spec?.endpoints?.[1]?.ports?.http, 9080);
});

test('reference: exportTo, subjectAltNames and a workloadSelector spanning VMs and pods', () => {
  expectValid(se('hosts:', '- example.com', 'exportTo:', '- "."', 'location: MESH_EXTERNAL', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP', 'resolution: DNS'));
  expectValid(se('hosts:', '- example.com', 'location: MESH_INTERNAL', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP', 'resolution: STATIC',
    'endpoints:', '- address: 2.2.2.2', 'subjectAltNames:', '- "spiffe://cluster.local/ns/httpbin-ns/sa/httpbin-service-account"'));
  expectValid(se('hosts:', '- details.bookinfo.com', 'location: MESH_INTERNAL', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP', '  targetPort: 8080',
    'resolution: STATIC', 'workloadSelector:', '  labels:', '    app: details-legacy'));
});

test('reference: WorkloadEntries by IP, by DNS name and by network only', () => {
  const [vm] = expectValid<WorkloadEntrySpec>(we('serviceAccount: details-legacy', 'address: 2.2.2.2', 'labels:', '  app: details-legacy', '  instance-id: vm1'));
  assert.equal(vm?.serviceAccount, 'details-legacy');
  expectValid(we('serviceAccount: details-legacy', 'address: vm1.vpc01.corp.net', 'labels:', '  app: details-legacy'));
  expectValid(we('serviceAccount: foo', 'network: cluster-2-network', 'labels:', '  app: foo'));
});

test('invalid: an address that is neither IP nor CIDR', () => {
  expectOnly(se('hosts: [db.example.com]', 'addresses:', '- db.example.com', 'ports: [{number: 5432, name: tcp-pg, protocol: TCP}]'),
    { code: 'INVALID_VALUE', path: 'spec.addresses[0]', line: 8 });
});

test('invalid: a CIDR address with DNS resolution', () => {
  expectOnly(se('hosts: [db.example.com]', 'addresses: [10.0.0.0/16]', 'resolution: DNS', 'ports: [{number: 5432, name: tcp-pg, protocol: TCP}]'),
    { code: 'INVALID_VALUE', path: 'spec.addresses[0]', line: 7 });
});

test('invalid: a STATIC endpoint given as a host name', () => {
  expectOnly(se('hosts: [db.example.com]', 'resolution: STATIC', 'ports: [{number: 80, name: http, protocol: HTTP}]', 'endpoints:', '- address: db1.example.com'),
    { code: 'INVALID_VALUE', path: 'spec.endpoints[0].address', line: 10 });
});

test('invalid: STATIC without endpoints or a workloadSelector', () => {
  expectOnly(se('hosts: [db.example.com]', 'resolution: STATIC', 'ports: [{number: 80, name: http, protocol: HTTP}]'),
    { code: 'INVALID_VALUE', path: 'spec.resolution', line: 7 });
});

test('invalid: endpoints and workloadSelector together', () => {
  expectOnly(se('hosts: [a.example.com]', 'resolution: STATIC', 'endpoints: [{address: 1.1.1.1}]', 'workloadSelector:', '  labels: {app: a}'),
    { code: 'INVALID_VALUE', path: 'spec.workloadSelector', line: 9 });
});

test('invalid: endpoints with resolution NONE', () => {
  expectOnly(se('hosts: [a.example.com]', 'endpoints:', '- address: 1.1.1.1'),
    { code: 'INVALID_VALUE', path: 'spec.endpoints', line: 7 });
});

test('invalid: a duplicate port name', () => {
  expectOnly(se('hosts: [a.example.com]', 'ports:', '- {number: 80, name: http, protocol: HTTP}', '- {number: 8080, name: http, protocol: HTTP}'),
    { code: 'INVALID_VALUE', path: 'spec.ports[1].name', line: 9 });
});

test('invalid: a port number out of range', () => {
  expectOnly(se('hosts: [a.example.com]', 'ports:', '- number: 70000', '  name: http'),
    { code: 'INVALID_VALUE', path: 'spec.ports[0].number', line: 8 });
});

test('invalid: an unsupported port protocol', () => {
  expectOnly(se('hosts: [a.example.com]', 'ports:', '- number: 80', '  name: http', '  protocol: HTTP3'),
    { code: 'INVALID_VALUE', path: 'spec.ports[0].protocol', line: 10 });
});

test('invalid: DNS resolution of a wildcard host without endpoints', () => {
  expectOnly(se('hosts:', '- "*.example.com"', 'resolution: DNS', 'ports: [{number: 443, name: https, protocol: TLS}]'),
    { code: 'INVALID_VALUE', path: 'spec.hosts[0]', line: 7 });
});

test('invalid: an endpoint port name the ServiceEntry does not define', () => {
  expectOnly(se('hosts: [foo.bar.com]', 'resolution: DNS', 'ports: [{number: 80, name: http, protocol: HTTP}]', 'endpoints:', '- address: us.foo.bar.com', '  ports:', '    grpc: 8080'),
    { code: 'INVALID_VALUE', path: 'spec.endpoints[0].ports.grpc', line: 12 });
});

test('invalid: the full wildcard as a host', () => {
  expectOnly(se('hosts:', '- "*"', 'ports: [{number: 80, name: http, protocol: HTTP}]'),
    { code: 'INVALID_VALUE', path: 'spec.hosts[0]', line: 7 });
});

test('invalid: several hosts on a plain TCP port with DNS resolution', () => {
  expectOnly(se('hosts: [a.example.com, b.example.com]', 'resolution: DNS', 'ports:', '- number: 5432', '  name: tcp', '  protocol: TCP'),
    { code: 'INVALID_VALUE', path: 'spec.ports[0].protocol', line: 11 });
});

test('invalid: an unknown resolution', () => {
  expectOnly(se('hosts: [a.example.com]', 'resolution: STRICT_DNS'),
    { code: 'INVALID_VALUE', path: 'spec.resolution', line: 7 });
});

test('invalid: DNS_ROUND_ROBIN with two endpoints', () => {
  expectOnly(se('hosts: [a.example.com]', 'resolution: DNS_ROUND_ROBIN', 'endpoints:', '- address: a1.example.com', '- address: a2.example.com'),
    { code: 'INVALID_VALUE', path: 'spec.endpoints[1]', line: 10 });
});

test('invalid: exporting to nobody and somebody at once', () => {
  expectOnly(se('hosts: [a.example.com]', 'exportTo: [prod, "~"]'),
    { code: 'INVALID_VALUE', path: 'spec.exportTo[1]', line: 7 });
});

test('invalid: a WorkloadEntry with neither address nor network', () => {
  expectOnly(we('serviceAccount: foo', 'labels:', '  app: foo'),
    { code: 'INVALID_VALUE', path: 'spec.address', line: 6 });
});

test('invalid: a unix socket WorkloadEntry with ports', () => {
  expectOnly(we('address: unix:///var/run/app.sock', 'ports:', '  http: 8080'),
    { code: 'INVALID_VALUE', path: 'spec.ports', line: 7 });
});

test('invalid: a WorkloadEntry address that carries a port', () => {
  expectOnly(we('address: 10.0.0.5:8080'),
    { code: 'INVALID_VALUE', path: 'spec.address', line: 6 });
});

test('invalid: a WorkloadEntry port of 0', () => {
  expectOnly(we('address: 10.0.0.5', 'ports:', '  http: 0'),
    { code: 'INVALID_VALUE', path: 'spec.ports.http', line: 8 });
});
