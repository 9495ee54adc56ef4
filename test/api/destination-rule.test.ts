import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import { expectOnlyError as expectOnly, resourceYaml, sampleText as sample, specsOf } from '../helpers/config.js';
import type { DestinationRuleSpec } from '../../src/api/networking/destination-rule.js';


/** A DestinationRule whose spec starts on line 6: `spec` lines are given without indentation. */
function dr(...spec: string[]): string {
  return resourceYaml('networking.istio.io/v1', 'DestinationRule', spec);
}



test('bookinfo destination-rule-all.yaml loads with four rules and their subsets', () => {
  const specs = specsOf<DestinationRuleSpec>(sample('destination-rule-all.yaml'));
  assert.deepEqual(specs.map((s) => s.host), ['productpage', 'reviews', 'ratings', 'details']);
  assert.deepEqual(specs[2]?.subsets?.map((s) => s.name), ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm']);
  assert.deepEqual(specs[3]?.subsets?.[1]?.labels, { version: 'v2' });
});

test('bookinfo destination-rule-all-mtls.yaml asks for ISTIO_MUTUAL everywhere', () => {
  const specs = specsOf<DestinationRuleSpec>(sample('destination-rule-all-mtls.yaml'));
  assert.equal(specs.length, 4);
  for (const s of specs) assert.equal(s.trafficPolicy?.tls?.mode, 'ISTIO_MUTUAL');
});

test('bookinfo destination-rule-reviews.yaml uses RANDOM load balancing', () => {
  const [spec] = specsOf<DestinationRuleSpec>(sample('destination-rule-reviews.yaml'));
  assert.equal(spec?.trafficPolicy?.loadBalancer?.simple, 'RANDOM');
  assert.deepEqual(spec?.subsets?.map((s) => s.name), ['v1', 'v2', 'v3']);
});

test('reference: subset-level policy overrides the service-level one', () => {
  const [spec] = specsOf<DestinationRuleSpec>(dr(
    'host: ratings.prod.svc.cluster.local',
    'trafficPolicy:',
    '  loadBalancer:',
    '    simple: LEAST_REQUEST',
    'subsets:',
    '- name: testversion',
    '  labels:',
    '    version: v3',
    '  trafficPolicy:',
    '    loadBalancer:',
    '      simple: ROUND_ROBIN',
  ));
  assert.equal(spec?.subsets?.[0]?.trafficPolicy?.loadBalancer?.simple, 'ROUND_ROBIN');
});

test('reference: port-level settings and a workload-scoped MUTUAL credential', () => {
  specsOf<DestinationRuleSpec>(dr(
    'host: ratings.prod.svc.cluster.local',
    'trafficPolicy:',
    '  portLevelSettings:',
    '  - port:',
    '      number: 80',
    '    loadBalancer:',
    '      simple: LEAST_REQUEST',
    '  - port:',
    '      number: 9080',
    '    loadBalancer:',
    '      simple: ROUND_ROBIN',
  ));
  specsOf<DestinationRuleSpec>(dr(
    'host: example.com',
    'workloadSelector:',
    '  matchLabels:',
    '    app: ratings',
    'trafficPolicy:',
    '  loadBalancer:',
    '    simple: ROUND_ROBIN',
    '  portLevelSettings:',
    '  - port:',
    '      number: 31443',
    '    tls:',
    '      credentialName: client-credential',
    '      mode: MUTUAL',
  ));
});

test('reference: sticky sessions, circuit breaking, redis pool and TLS origination', () => {
  specsOf<DestinationRuleSpec>(dr('host: ratings.prod.svc.cluster.local', 'trafficPolicy:', '  loadBalancer:', '    consistentHash:', '      httpCookie:', '        name: user', '        ttl: 0s'));
  specsOf<DestinationRuleSpec>(dr(
    'host: reviews.prod.svc.cluster.local',
    'trafficPolicy:',
    '  connectionPool:',
    '    tcp:',
    '      maxConnections: 100',
    '    http:',
    '      http2MaxRequests: 1000',
    '      maxRequestsPerConnection: 10',
    '  outlierDetection:',
    '    consecutive5xxErrors: 7',
    '    interval: 5m',
    '    baseEjectionTime: 15m',
  ));
  specsOf<DestinationRuleSpec>(dr(
    'host: myredissrv.prod.svc.cluster.local',
    'trafficPolicy:',
    '  connectionPool:',
    '    tcp:',
    '      maxConnections: 100',
    '      connectTimeout: 30ms',
    '      tcpKeepalive:',
    '        time: 7200s',
    '        interval: 75s',
  ));
  specsOf<DestinationRuleSpec>(dr(
    'host: mydbserver.prod.svc.cluster.local',
    'trafficPolicy:',
    '  tls:',
    '    mode: MUTUAL',
    '    clientCertificate: /etc/certs/myclientcert.pem',
    '    privateKey: /etc/certs/client_private_key.pem',
    '    caCertificates: /etc/certs/rootcacerts.pem',
  ));
  specsOf<DestinationRuleSpec>(dr('host: "*.foo.com"', 'trafficPolicy:', '  tls:', '    mode: SIMPLE'));
});

test('reference: locality distribute and failover, maglev, tunnel', () => {
  specsOf<DestinationRuleSpec>(dr(
    'host: helloworld.sample.svc.cluster.local',
    'trafficPolicy:',
    '  loadBalancer:',
    '    localityLbSetting:',
    '      enabled: true',
    '      distribute:',
    '      - from: us-west/zone1/*',
    '        to:',
    '          "us-west/zone1/*": 80',
    '          "us-west/zone2/*": 20',
    '      - from: us-west/zone2/*',
    '        to:',
    '          "us-west/zone1/*": 20',
    '          "us-west/zone2/*": 80',
  ));
  specsOf<DestinationRuleSpec>(dr(
    'host: helloworld.sample.svc.cluster.local',
    'trafficPolicy:',
    '  loadBalancer:',
    '    localityLbSetting:',
    '      failover:',
    '      - from: us-east',
    '        to: eu-west',
    '      - from: us-west',
    '        to: us-east',
    '  outlierDetection:',
    '    consecutive5xxErrors: 1',
  ));
  specsOf<DestinationRuleSpec>(dr('host: cache.svc.cluster.local', 'trafficPolicy:', '  loadBalancer:', '    consistentHash:', '      useSourceIp: true', '      maglev:', '        tableSize: 65537'));
  specsOf<DestinationRuleSpec>(dr('host: mysql.db.svc.cluster.local', 'trafficPolicy:', '  tunnel:', '    protocol: CONNECT', '    targetHost: egress.example.com', '    targetPort: 8080'));
});

test('invalid: maxEjectionPercent above 100', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  outlierDetection:', '    maxEjectionPercent: 101'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent', line: 9 });
});

test('invalid: MUTUAL TLS without a client certificate', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  tls:', '    mode: MUTUAL', '    privateKey: /k.pem'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.tls.clientCertificate', line: 9 });
});

test('invalid: duplicate subset names', () => {
  expectOnly(dr('host: r', 'subsets:', '- name: v1', '- name: v1'),
    { code: 'INVALID_VALUE', path: 'spec.subsets[1].name', line: 9 });
});

test('invalid: subset name that is not a DNS label', () => {
  expectOnly(dr('host: r', 'subsets:', '- name: V1_beta'),
    { code: 'INVALID_VALUE', path: 'spec.subsets[0].name', line: 8 });
});

test('invalid: an outlier interval that is not a duration', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  outlierDetection:', '    interval: 5 minutes'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.outlierDetection.interval', line: 9 });
});

test('invalid: a connect timeout under 1ms', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  connectionPool:', '    tcp:', '      connectTimeout: 500us'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout', line: 10 });
});

test('invalid: locality distribute and failover together', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    localityLbSetting:', '      distribute:', '      - from: a/*', '        to: {"b/*": 100}', '      failover:', '      - {from: a, to: b}'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover', line: 13 });
});

test('invalid: locality weights that do not add up to 100', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    localityLbSetting:', '      distribute:', '      - from: a/*', '        to:', '          "a/*": 60', '          "b/*": 30'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to', line: 12 });
});

test('invalid: failover to the same region', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    localityLbSetting:', '      failover:', '      - from: us-east', '        to: us-east'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].to', line: 12 });
});

test('invalid: simple and consistentHash are one protobuf oneof', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    simple: RANDOM', '    consistentHash:', '      useSourceIp: true'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.consistentHash', line: 10 });
});

test('invalid: an unknown simple load balancer', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    simple: LEAST_CONNECTIONS'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.simple', line: 9 });
});

test('invalid: a maglev table size that is not prime', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    consistentHash:', '      httpHeaderName: x-user', '      maglev:', '        tableSize: 65536'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', line: 12 });
});

test('invalid: an HTTP cookie without a name', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  loadBalancer:', '    consistentHash:', '      httpCookie:', '        ttl: 10s'),
    { code: 'MISSING_FIELD', path: 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name', line: 11 });
});

test('invalid: an empty traffic policy', () => {
  expectOnly(dr('host: r', 'trafficPolicy: {}'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy', line: 7 });
});

test('invalid: a port-level policy without a port', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  portLevelSettings:', '  - loadBalancer:', '      simple: RANDOM'),
    { code: 'MISSING_FIELD', path: 'spec.trafficPolicy.portLevelSettings[0].port', line: 9 });
});

test('invalid: a misspelled outlier detection field', () => {
  const r = loadText(dr('host: r', 'trafficPolicy:', '  outlierDetection:', '    consecutive5xxError: 3'), 't.yaml');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]?.code, 'UNKNOWN_FIELD');
  assert.equal(r.errors[0]?.path, 'spec.trafficPolicy.outlierDetection.consecutive5xxError');
  assert.equal(r.errors[0]?.position.line, 9);
  assert.match(r.errors[0]?.hint ?? '', /did you mean "consecutive5xxErrors"/);
});

test('invalid: credentialName together with certificate files', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  tls:', '    mode: SIMPLE', '    credentialName: cred', '    caCertificates: /ca.pem'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.tls.caCertificates', line: 11 });
});

test('invalid: insecureSkipVerify with a CA to verify against', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  tls:', '    mode: SIMPLE', '    insecureSkipVerify: true', '    subjectAltNames: [a.example.com]'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.tls.subjectAltNames', line: 11 });
});

test('invalid: tunnel and proxyProtocol together', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  tunnel: {targetHost: egress.example.com, targetPort: 80}', '  proxyProtocol:', '    version: V2'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.proxyProtocol', line: 9 });
});

test('invalid: local-origin failures counted without splitting them out', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  outlierDetection:', '    consecutiveLocalOriginFailures: 3'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures', line: 9 });
});

test('invalid: useClientProtocol with h2UpgradePolicy UPGRADE', () => {
  expectOnly(dr('host: r', 'trafficPolicy:', '  connectionPool:', '    http:', '      h2UpgradePolicy: UPGRADE', '      useClientProtocol: true'),
    { code: 'INVALID_VALUE', path: 'spec.trafficPolicy.connectionPool.http.useClientProtocol', line: 11 });
});

test('invalid: a workload-scoped rule exported to every namespace', () => {
  expectOnly(dr('host: r', 'workloadSelector:', '  matchLabels: {app: ratings}', 'exportTo:', '- "*"'),
    { code: 'INVALID_VALUE', path: 'spec.exportTo[0]', line: 10 });
});

test('invalid: a rule without a host', () => {
  expectOnly(dr('subsets:', '- name: v1'),
    { code: 'MISSING_FIELD', path: 'spec.host', line: 6 });
});
