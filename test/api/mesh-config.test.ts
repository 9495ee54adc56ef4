// Isthmus's MeshConfig kind: a full config loads, resolveMeshConfig fills every documented
// default (and keeps what the user set), and bad settings are rejected with path and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import { resolveMeshConfig, type MeshConfigSpec } from '../../src/api/mesh/mesh-config.js';
import { assertInvalid, loadValid, type InvalidCase } from '../helpers/config.js';

const FULL = `apiVersion: config.isthmus.dev/v1alpha1
kind: MeshConfig
metadata:
  name: mesh
  namespace: isthmus-system
spec:
  trustDomain: example.org
  trustDomainAliases: [old.example.org]
  rootNamespace: mesh-root
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
  proxyHttpPort: 15080
  enableAutoMtls: false
  accessLogFile: /dev/stdout
  accessLogEncoding: JSON
  enableTracing: false
  mixerCheckServer: localhost:9091
  mixerReportServer: localhost:9091
  disablePolicyChecks: false
  policyCheckFailOpen: true
  defaultConfig:
    concurrency: 4
    drainDuration: 30s
    terminationDrainDuration: 10s
    discoveryAddress: control.example.org:15012
    proxyMetadata:
      ISTIO_META_DNS_CAPTURE: "true"
    statusPort: 16020
    proxyAdminPort: 16000
    holdApplicationUntilProxyStarts: true
    tracing:
      sampling: 25.5
      maxPathTagLength: 99
      lightstep:
        address: lightstep.example.org:8080
        accessToken: secret
      customTags:
        env:
          literal: {value: prod}
    privateKeyProvider:
      pkcs11:
        privateKeyIdentifier: "pkcs11:token=isthmus;object=workload-key;type=private"
        mode: OUT_OF_PROCESS
        socket: /run/p11-kit/pkcs11
`;

function specOf(yaml: string): MeshConfigSpec {
  return loadValid(yaml)[0]?.spec as MeshConfigSpec;
}

test('a MeshConfig setting every field loads, and resolving keeps every value', () => {
  const m = resolveMeshConfig(specOf(FULL));
  assert.equal(m.trustDomain, 'example.org');
  assert.deepEqual(m.trustDomainAliases, ['old.example.org']);
  assert.equal(m.rootNamespace, 'mesh-root');
  assert.equal(m.outboundTrafficPolicy.mode, 'REGISTRY_ONLY');
  assert.equal(m.proxyHttpPort, 15080);
  assert.equal(m.enableAutoMtls, false);
  assert.equal(m.accessLogEncoding, 'JSON');
  assert.equal(m.disablePolicyChecks, false);
  assert.equal(m.policyCheckFailOpen, true);
  assert.equal(m.defaultConfig.concurrency, 4);
  assert.equal(m.defaultConfig.statusPort, 16020);
  assert.deepEqual(m.defaultConfig.tracing.tracer, { kind: 'lightstep', address: 'lightstep.example.org:8080', accessToken: 'secret' });
  assert.equal(m.defaultConfig.tracing.sampling, 25.5);
  assert.deepEqual(m.defaultConfig.privateKeyProvider, {
    kind: 'pkcs11', privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'pkcs11:token=isthmus;object=workload-key;type=private',
    mode: 'OUT_OF_PROCESS', socket: '/run/p11-kit/pkcs11',
  });
});

test('resolveMeshConfig() with nothing set gives every documented default', () => {
  assert.deepEqual(resolveMeshConfig(), {
    trustDomain: 'cluster.local',
    trustDomainAliases: [],
    rootNamespace: 'isthmus-system',
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    proxyHttpPort: 0,
    enableAutoMtls: true,
    accessLogFile: '',
    accessLogEncoding: 'TEXT',
    accessLogFormat: '',
    enableTracing: true,
    defaultConfig: {
      concurrency: 2,
      drainDuration: '45s',
      terminationDrainDuration: '5s',
      discoveryAddress: 'localhost:15012',
      proxyMetadata: {},
      statusPort: 15020,
      proxyAdminPort: 15000,
      tracing: { tracer: { kind: 'zipkin', address: 'localhost:9411' }, customTags: {}, maxPathTagLength: 256, sampling: 1 },
      holdApplicationUntilProxyStarts: false,
      privateKeyProvider: { kind: 'file' },
    },
    mixerCheckServer: '',
    mixerReportServer: '',
    disablePolicyChecks: true,
    policyCheckFailOpen: false,
  });
});

test('an empty MeshConfig spec resolves exactly like no spec', () => {
  const yaml = 'apiVersion: config.isthmus.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: mesh}\n';
  assert.deepEqual(resolveMeshConfig(specOf(yaml)), resolveMeshConfig());
});

test('defaults fill the gaps inside partly set sections', () => {
  const m = resolveMeshConfig({
    outboundTrafficPolicy: {},
    defaultConfig: {
      tracing: { zipkin: { address: 'zipkin.local:9411' } },
      privateKeyProvider: { cryptomb: { pollDelay: '0.2ms' } },
    },
  });
  assert.equal(m.outboundTrafficPolicy.mode, 'ALLOW_ANY');
  assert.deepEqual(m.defaultConfig.tracing.tracer, { kind: 'zipkin', address: 'zipkin.local:9411' });
  assert.equal(m.defaultConfig.tracing.sampling, 1);
  assert.deepEqual(m.defaultConfig.privateKeyProvider, { kind: 'cryptomb', pollDelay: '0.2ms', fallback: false });
  const pkcs = resolveMeshConfig({ defaultConfig: { privateKeyProvider: { pkcs11: { privateKeyIdentifier: 'pkcs11:object=k' } } } });
  assert.deepEqual(pkcs.defaultConfig.privateKeyProvider, { kind: 'pkcs11', privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'pkcs11:object=k', mode: 'IN_PROCESS' });
});

test('resolving does not share arrays or maps with the spec', () => {
  const spec: MeshConfigSpec = { trustDomainAliases: ['a'], defaultConfig: { proxyMetadata: { K: 'v' } } };
  const m = resolveMeshConfig(spec);
  m.trustDomainAliases.push('b');
  m.defaultConfig.proxyMetadata.X = 'y';
  assert.deepEqual(spec, { trustDomainAliases: ['a'], defaultConfig: { proxyMetadata: { K: 'v' } } });
});

const M = 'apiVersion: config.isthmus.dev/v1alpha1\nkind: MeshConfig\nmetadata: {name: mesh}\nspec:\n';
const PKP = '  defaultConfig:\n    privateKeyProvider:\n';

const INVALID: InvalidCase[] = [
  { name: 'outbound mode outside the enum', code: 'INVALID_VALUE', path: 'spec.outboundTrafficPolicy.mode', yaml: `${M}  outboundTrafficPolicy:\n    mode: DENY_ALL # <-\n` },
  { name: 'trust domain with a slash', code: 'INVALID_VALUE', path: 'spec.trustDomain', yaml: `${M}  trustDomain: spiffe://cluster.local # <-\n` },
  { name: 'root namespace that is not a DNS label', code: 'INVALID_VALUE', path: 'spec.rootNamespace', yaml: `${M}  rootNamespace: Isthmus_System # <-\n` },
  { name: 'access log encoding outside the enum', code: 'INVALID_VALUE', path: 'spec.accessLogEncoding', yaml: `${M}  accessLogEncoding: YAML # <-\n` },
  { name: 'HTTP proxy port out of range', code: 'INVALID_VALUE', path: 'spec.proxyHttpPort', yaml: `${M}  proxyHttpPort: 65536 # <-\n` },
  { name: 'HTTP proxy port given as a string', code: 'INVALID_TYPE', path: 'spec.proxyHttpPort', yaml: `${M}  proxyHttpPort: "15001" # <-\n` },
  { name: 'proxyHttpPort under defaultConfig, where Istio has no such field', code: 'UNKNOWN_FIELD', path: 'spec.defaultConfig.proxyHttpPort', yaml: `${M}  defaultConfig:\n    proxyHttpPort: 15001 # <-\n` },
  { name: 'enableAutoMtls given as a string', code: 'INVALID_TYPE', path: 'spec.enableAutoMtls', yaml: `${M}  enableAutoMtls: "yes" # <-\n` },
  { name: 'policy checks on without a Mixer address', code: 'INVALID_VALUE', path: 'spec.disablePolicyChecks', yaml: `${M}  disablePolicyChecks: false # <-\n` },
  { name: 'Mixer address without a port', code: 'INVALID_VALUE', path: 'spec.mixerReportServer', yaml: `${M}  mixerReportServer: mixer.local # <-\n` },
  { name: 'discovery address with a port out of range', code: 'INVALID_VALUE', path: 'spec.defaultConfig.discoveryAddress', yaml: `${M}  defaultConfig:\n    discoveryAddress: localhost:150120 # <-\n` },
  { name: 'negative concurrency', code: 'INVALID_VALUE', path: 'spec.defaultConfig.concurrency', yaml: `${M}  defaultConfig:\n    concurrency: -1 # <-\n` },
  { name: 'drain duration without a unit', code: 'INVALID_VALUE', path: 'spec.defaultConfig.drainDuration', yaml: `${M}  defaultConfig:\n    drainDuration: "45" # <-\n` },
  { name: 'status and admin ports equal', code: 'INVALID_VALUE', path: 'spec.defaultConfig.proxyAdminPort', yaml: `${M}  defaultConfig:\n    statusPort: 15000\n    proxyAdminPort: 15000 # <-\n` },
  { name: 'tracing sampling above 100', code: 'INVALID_VALUE', path: 'spec.defaultConfig.tracing.sampling', yaml: `${M}  defaultConfig:\n    tracing:\n      sampling: 101 # <-\n` },
  { name: 'two tracers', code: 'INVALID_VALUE', path: 'spec.defaultConfig.tracing.datadog', yaml: `${M}  defaultConfig:\n    tracing:\n      zipkin: {address: "z:9411"}\n      datadog: {address: "d:8126"} # <-\n` },
  { name: 'private key provider naming no provider', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider', yaml: `${M}  defaultConfig:\n    privateKeyProvider: {} # <-\n` },
  { name: 'two private key providers', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11', yaml: `${M}${PKP}      cryptomb: {pollDelay: 1ms}\n      pkcs11: {privateKeyIdentifier: "pkcs11:object=k"} # <-\n` },
  { name: 'accelerator poll delay of zero', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.qat.pollDelay', yaml: `${M}${PKP}      qat:\n        pollDelay: 0s # <-\n` },
  { name: 'accelerator without poll delay', code: 'MISSING_FIELD', path: 'spec.defaultConfig.privateKeyProvider.cryptomb.pollDelay', yaml: `${M}${PKP}      cryptomb: {fallback: true} # <-\n` },
  { name: 'PKCS#11 key that is not a pkcs11: URI', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11.privateKeyIdentifier', yaml: `${M}${PKP}      pkcs11:\n        privateKeyIdentifier: /etc/keys/key.pem # <-\n` },
  { name: 'out-of-process PKCS#11 without a socket', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11.mode', yaml: `${M}${PKP}      pkcs11:\n        privateKeyIdentifier: "pkcs11:object=k"\n        mode: OUT_OF_PROCESS # <-\n` },
  { name: 'socket with in-process PKCS#11', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11.socket', yaml: `${M}${PKP}      pkcs11:\n        privateKeyIdentifier: "pkcs11:object=k"\n        socket: /run/p11-kit/pkcs11 # <-\n` },
  { name: 'p11-kit socket that is not a path', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11.socket', yaml: `${M}${PKP}      pkcs11:\n        privateKeyIdentifier: "pkcs11:object=k"\n        mode: OUT_OF_PROCESS\n        socket: p11-kit.sock # <-\n` },
  { name: 'PKCS#11 mode outside the enum', code: 'INVALID_VALUE', path: 'spec.defaultConfig.privateKeyProvider.pkcs11.mode', yaml: `${M}${PKP}      pkcs11:\n        privateKeyIdentifier: "pkcs11:object=k"\n        mode: REMOTE # <-\n` },
  { name: 'an Istio ProxyConfig field Isthmus does not act on', code: 'UNKNOWN_FIELD', path: 'spec.defaultConfig.interceptionMode', yaml: `${M}  defaultConfig:\n    interceptionMode: TPROXY # <-\n` },
];

for (const c of INVALID) test(`rejects: ${c.name}`, () => assertInvalid(c));

test('MeshConfig is served only at config.isthmus.dev/v1alpha1', () => {
  const r = loadText('apiVersion: config.isthmus.dev/v1\nkind: MeshConfig\nmetadata: {name: mesh}\n', 'm.yaml');
  assert.equal(r.errors[0]?.code, 'UNKNOWN_KIND');
  assert.equal(r.errors[0]?.path, 'apiVersion');
  assert.equal(r.errors[0]?.position.line, 1);
});

test('every invalid MeshConfig case is a distinct rule', () => {
  assert.equal(new Set(INVALID.map((c) => c.name)).size, INVALID.length);
});
