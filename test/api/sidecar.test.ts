import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectOnlyError as expectOnly, resourceYaml, specsOf } from '../helpers/config.js';
import type { SidecarSpec } from '../../src/api/networking/sidecar.js';

/** A Sidecar whose spec starts on line 6: `spec` lines are given without indentation. */
function sc(...spec: string[]): string {
  return resourceYaml('networking.istio.io/v1', 'Sidecar', spec, 'default');
}

function expectValid(text: string): SidecarSpec {
  return specsOf<SidecarSpec>(text)[0] as SidecarSpec;
}



test('reference: egress restricted to three namespaces', () => {
  const spec = expectValid(sc('egress:', '- hosts:', '  - "prod-us1/*"', '  - "prod-apis/*"', '  - "istio-system/*"'));
  assert.deepEqual(spec.egress?.[0]?.hosts, ['prod-us1/*', 'prod-apis/*', 'istio-system/*']);
});

test('reference: ingress to a unix socket, egress by port and a catch-all last', () => {
  const spec = expectValid(sc(
    'workloadSelector:', '  labels:', '    app: productpage',
    'ingress:', '- port:', '    number: 9080', '    protocol: HTTP', '    name: somename', '  defaultEndpoint: unix:///var/run/someuds.sock',
    'egress:', '- port:', '    number: 9080', '    protocol: HTTP', '    name: egresshttp', '  hosts:', '  - "prod-us1/*"',
    '- hosts:', '  - "istio-system/*"',
  ));
  assert.equal(spec.ingress?.[0]?.defaultEndpoint, 'unix:///var/run/someuds.sock');
});

test('reference: REGISTRY_ONLY, an egress proxy and a unix-socket egress listener', () => {
  expectValid(sc('outboundTrafficPolicy:', '  mode: REGISTRY_ONLY', 'egress:', '- hosts:', '  - "./*"', '  - "istio-system/*"'));
  expectValid(sc('egress:', '- hosts: ["*/*"]', 'outboundTrafficPolicy:', '  mode: ALLOW_ANY', '  egressProxy:',
    '    host: istio-egressgateway.istio-system.svc.cluster.local', '    port:', '      number: 443'));
  expectValid(sc('egress:', '- port: {number: 0, protocol: HTTP, name: uds}', '  bind: unix:///var/run/egress.sock', '  captureMode: NONE', '  hosts: ["*/api.example.com"]'));
});

test('reference: inbound TLS termination and inbound connection pools', () => {
  const spec = expectValid(sc(
    'workloadSelector:', '  labels:', '    app: productpage',
    'inboundConnectionPool:', '  http:', '    http1MaxPendingRequests: 1024', '    http2MaxRequests: 1024', '    maxRequestsPerConnection: 1024', '    maxRetries: 100',
    'ingress:', '- port:', '    number: 80', '    protocol: HTTPS', '    name: somename', '  defaultEndpoint: 0.0.0.0:8080',
    '  tls:', '    mode: SIMPLE', '    privateKey: "/etc/istio/tls-certs/tls.key"', '    serverCertificate: "/etc/istio/tls-certs/tls.crt"',
    '  connectionPool:', '    tcp:', '      maxConnections: 100',
  ));
  assert.equal(spec.inboundConnectionPool?.http?.maxRetries, 100);
  assert.equal(spec.ingress?.[0]?.tls?.mode, 'SIMPLE');
});

test('invalid: an egress host without a namespace', () => {
  expectOnly(sc('egress:', '- hosts:', '  - reviews.default.svc.cluster.local'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].hosts[0]', line: 8 });
});

test('invalid: an egress host given as a short name', () => {
  expectOnly(sc('egress:', '- hosts:', '  - prod/reviews'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].hosts[0]', line: 8 });
});

test('invalid: an egress listener with no hosts', () => {
  expectOnly(sc('egress:', '- port: {number: 80, protocol: HTTP, name: http}', '  hosts: []'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].hosts', line: 8 });
});

test('invalid: a portless egress listener that is not last', () => {
  expectOnly(sc('egress:', '- hosts: ["istio-system/*"]', '- port: {number: 9080, protocol: HTTP, name: http}', '  hosts: ["prod/*"]'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0]', line: 7 });
});

test('invalid: egress port 0 without a unix socket bind', () => {
  expectOnly(sc('egress:', '- port: {number: 0, protocol: HTTP, name: uds}', '  bind: 127.0.0.1', '  hosts: ["*/*"]'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].bind', line: 8 });
});

test('invalid: IPTABLES capture on a unix socket listener', () => {
  expectOnly(sc('egress:', '- port: {number: 0, protocol: HTTP, name: uds}', '  bind: unix:///var/run/e.sock', '  captureMode: IPTABLES', '  hosts: ["*/*"]'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].captureMode', line: 9 });
});

test('invalid: an unknown capture mode', () => {
  expectOnly(sc('egress:', '- captureMode: TPROXY', '  hosts: ["*/*"]'),
    { code: 'INVALID_VALUE', path: 'spec.egress[0].captureMode', line: 7 });
});

test('invalid: egressProxy in REGISTRY_ONLY mode', () => {
  expectOnly(sc('outboundTrafficPolicy:', '  mode: REGISTRY_ONLY', '  egressProxy:', '    host: egress.istio-system.svc.cluster.local', '    port: {number: 443}'),
    { code: 'INVALID_VALUE', path: 'spec.outboundTrafficPolicy.egressProxy', line: 8 });
});

test('invalid: two ingress listeners on one port', () => {
  expectOnly(sc('ingress:', '- port: {number: 9080, protocol: HTTP, name: a}', '- port: {number: 9080, protocol: HTTP, name: b}'),
    { code: 'INVALID_VALUE', path: 'spec.ingress[1].port.number', line: 8 });
});

test('invalid: a defaultEndpoint on another host', () => {
  expectOnly(sc('ingress:', '- port: {number: 9080, protocol: HTTP, name: http}', '  defaultEndpoint: 10.1.1.1:8080'),
    { code: 'INVALID_VALUE', path: 'spec.ingress[0].defaultEndpoint', line: 8 });
});

test('invalid: an ingress listener on port 0', () => {
  expectOnly(sc('ingress:', '- port:', '    number: 0', '    protocol: HTTP'),
    { code: 'INVALID_VALUE', path: 'spec.ingress[0].port.number', line: 8 });
});

test('invalid: ISTIO_MUTUAL in ingress TLS', () => {
  expectOnly(sc('ingress:', '- port: {number: 443, protocol: HTTPS, name: https}', '  tls:', '    mode: ISTIO_MUTUAL'),
    { code: 'INVALID_VALUE', path: 'spec.ingress[0].tls.mode', line: 9 });
});

test('invalid: a Sidecar that configures nothing', () => {
  expectOnly(sc('workloadSelector:', '  labels: {app: a}'),
    { code: 'INVALID_VALUE', path: 'spec', line: 5 });
});

test('invalid: an inbound connection pool without tcp or http', () => {
  expectOnly(sc('inboundConnectionPool: {}'),
    { code: 'INVALID_VALUE', path: 'spec.inboundConnectionPool', line: 6 });
});
