// `isthmus proxy-config` against a real manager and a real sidecar with a workload identity from
// the manager's CA: the sidecar advertises its admin port to the manager, the command finds it by
// service name or id, and prints each section as a table, as JSON and as YAML. An endpoint that
// outlier detection ejected shows FAILED; wrong names and unreachable ports give clear errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { endpointHealth } from '../../src/cli/proxy-config/endpoints.js';
import { chainMatch } from '../../src/cli/proxy-config/listeners.js';
import { findProxy, managerUrl } from '../../src/cli/proxy-config/manager.js';
import { parseClusterName } from '../../src/cli/proxy-config/clusters.js';
import { startHttpBackend, type Backend } from '../helpers/backends.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/process.js';
import { serviceEntry, versionSubsets, viaProxy } from '../proxy/e2e/fixtures.js';
import { Mesh, type Sidecar } from '../proxy/e2e/mesh.js';

const RATINGS = 'ratings.default.svc.cluster.local';
const FLAKY = 'flaky.default.svc.cluster.local';

const RATINGS_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [${RATINGS}]
  http:
  - route:
    - destination: {host: ${RATINGS}, subset: v1}
`;

const FLAKY_DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky-outlier, namespace: default}
spec:
  host: ${FLAKY}
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}
`;

let mesh: Mesh;
let app: Backend;
let flaky: Backend;
let ratingsPort: number;
let reviews: Sidecar;
let reviewsId: string;
let tokens: string;

const monitoring = () => ['--monitoring-address', `127.0.0.1:${mesh.monitoringPort}`];
const proxyConfig = (...args: string[]) => runCli(['proxy-config', ...args, ...monitoring()]);

/** The table's rows as cells (columns are separated by three or more spaces). */
function rows(r: CliResult): string[][] {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').map((l) => l.split(/ {3,}/).map((c) => c.trim()));
}

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(async () => {
  app = await startHttpBackend('reviews-app');
  flaky = await startHttpBackend('flaky');
  ratingsPort = await freePort();
  mesh = await Mesh.start({
    'ratings.yaml': serviceEntry('ratings', RATINGS, [{ number: 9080, name: 'http', protocol: 'HTTP' }], [{ port: ratingsPort, labels: { version: 'v1' } }]),
    'ratings-dr.yaml': versionSubsets('ratings', RATINGS, ['v1']),
    'ratings-vs.yaml': RATINGS_VS,
    'flaky.yaml': serviceEntry('flaky', FLAKY, [{ number: 8080, name: 'http', protocol: 'HTTP' }], [{ port: flaky.port }]),
    'flaky-dr.yaml': FLAKY_DR,
  });
  const [ca, bundle] = (await mesh.controlPlane.waitForLine(/ca (127\.0\.0\.1:\d+) trust bundle (\S+) trust domain/)).slice(1) as [string, string];
  tokens = await mkdtemp(join(tmpdir(), 'isthmus-proxy-config-'));
  const token = await runCli(['ca', 'token', '--ca-dir', dirname(bundle), '--namespace', 'default', '--service-account', 'reviews']);
  assert.equal(token.code, 0, token.stderr);
  await writeFile(join(tokens, 'reviews.jwt'), token.stdout.trim());
  reviews = await mesh.sidecar({
    service: 'reviews',
    labels: { version: 'v1' },
    appPort: app.port,
    extraArgs: ['--service-account', 'reviews', '--ca-address', ca, '--ca-root', bundle, '--token-file', join(tokens, 'reviews.jwt')],
  });
  reviewsId = await eventually('the sidecar in the manager\'s syncz', async () => {
    const all = (await (await fetch(`http://127.0.0.1:${mesh.monitoringPort}/debug/syncz`)).json()) as { id: string }[];
    return all.find((p) => p.id.includes('~reviews-'))?.id;
  });
});

after(async () => {
  await mesh?.close();
  await Promise.all([app?.close(), flaky?.close()]);
  if (tokens) await rm(tokens, { recursive: true, force: true });
});

test('the manager knows each proxy\'s admin address (syncz, proxy-status -o json)', async () => {
  const status = json<{ id: string; admin?: string }[]>(await runCli(['proxy-status', '-o', 'json', ...monitoring()]));
  assert.equal(status.find((p) => p.id === reviewsId)?.admin, `127.0.0.1:${reviews.adminPort}`);
});

describe('tables', () => {
  test('listeners: the HTTP-proxy and inbound listeners, what they match and where they route', async () => {
    const t = rows(await proxyConfig('listeners', 'reviews'));
    assert.deepEqual(t[0], ['NAME', 'ADDRESS:PORT', 'MATCH', 'DESTINATION', 'STATE']);
    assert.ok(t.some((r) => r[1] === `127.0.0.1:${reviews.outboundPort}` && r[3] === 'Route: http_proxy' && r[4] === 'ACTIVE'), JSON.stringify(t));
    // The inbound listener: mutual TLS from mesh peers, plain text from others (PERMISSIVE).
    const inbound = t.filter((r) => r[0] === `inbound_127.0.0.1_${reviews.inboundPort}`);
    assert.ok(inbound.some((r) => r[2]!.startsWith('Trans: tls')), JSON.stringify(inbound));
    assert.ok(inbound.every((r) => r[3] === `Inline Route: inbound|${reviews.inboundPort}||reviews.default.svc.cluster.local`), JSON.stringify(inbound));
  });

  test('routes: the VirtualService behind a route and its destination subset', async () => {
    const t = rows(await proxyConfig('routes', 'reviews'));
    assert.deepEqual(t[0], ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE', 'DESTINATION']);
    assert.ok(
      t.some((r) => r[0] === 'http_proxy' && r[1] === `${RATINGS}:9080` && r[3] === '/*' && r[4] === 'ratings.default' && r[5] === `outbound|9080|v1|${RATINGS}`),
      JSON.stringify(t),
    );
    assert.ok(t.some((r) => r[1] === 'allow_any' && r[5] === 'PassthroughCluster'));
  });

  test('clusters: FQDN, port, subset, direction, type and DestinationRule', async () => {
    const t = rows(await proxyConfig('clusters', reviewsId));
    assert.deepEqual(t[0], ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE']);
    assert.ok(t.some((r) => r.join('|') === `${RATINGS}|9080|v1|outbound|EDS|ratings.default`), JSON.stringify(t));
    assert.ok(t.some((r) => r.join('|') === `${FLAKY}|8080|-|outbound|EDS|flaky-outlier.default`), JSON.stringify(t));
    assert.ok(t.some((r) => r.join('|') === `reviews.default.svc.cluster.local|${reviews.inboundPort}|-|inbound|STATIC|-`), JSON.stringify(t));
    assert.ok(t.some((r) => r[0] === 'PassthroughCluster' && r[4] === 'ORIGINAL_DST'));
  });

  test('endpoints: live health, and FAILED outlier check once outlier detection ejects an endpoint', async () => {
    const t = rows(await proxyConfig('endpoints', 'reviews'));
    assert.deepEqual(t[0], ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']);
    assert.ok(t.some((r) => r.join('|') === `127.0.0.1:${ratingsPort}|HEALTHY|OK|outbound|9080|v1|${RATINGS}`), JSON.stringify(t));
    assert.ok(t.some((r) => r.join('|') === `127.0.0.1:${app.port}|HEALTHY|OK|inbound|${reviews.inboundPort}||reviews.default.svc.cluster.local`), JSON.stringify(t));
    // One 503 ejects the only flaky endpoint (consecutive5xxErrors: 1).
    await viaProxy(reviews, `http://${FLAKY}:8080/?status=503`);
    const ejected = `127.0.0.1:${flaky.port}|HEALTHY|FAILED|outbound|8080||${FLAKY}`;
    await eventually('the flaky endpoint shown as ejected', async () => (rows(await proxyConfig('endpoints', 'reviews')).some((r) => r.join('|') === ejected) ? true : undefined));
  });

  test('secret: the workload certificate and the trust bundle, with the serial the proxy logged', async () => {
    const t = rows(await proxyConfig('secret', 'reviews'));
    assert.deepEqual(t[0], ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE']);
    const logged = /identity: certificate for \S+ \(serial ([0-9A-Fa-f]+)\)/.exec(reviews.process.output())![1]!.toLowerCase();
    const leaf = t.find((r) => r[0] === 'default');
    assert.deepEqual(leaf?.slice(0, 5), ['default', 'Cert Chain', 'ACTIVE', 'true', logged]);
    assert.ok(Date.parse(leaf![5]!) > Date.now() && Date.parse(leaf![6]!) <= Date.now(), JSON.stringify(leaf));
    assert.deepEqual(t.find((r) => r[0] === 'ROOTCA')?.slice(0, 4), ['ROOTCA', 'CA', 'ACTIVE', 'true']);
  });

  test('all: every section\'s table, one after another', async () => {
    const r = await proxyConfig('all', 'reviews');
    assert.equal(r.code, 0, r.stderr);
    for (const header of ['NAME   ', 'VHOST NAME', 'SERVICE FQDN', 'OUTLIER CHECK', 'RESOURCE NAME']) assert.ok(r.stdout.includes(header), header);
  });
});

describe('raw sections', () => {
  test('-o json prints each section as the proxy holds it', async () => {
    const listeners = json<{ name: string }[]>(await proxyConfig('listeners', 'reviews', '-o', 'json'));
    assert.ok(listeners.some((l) => l.name === `inbound_127.0.0.1_${reviews.inboundPort}`));
    const routes = json<{ name: string }[]>(await proxyConfig('routes', 'reviews', '-o', 'json'));
    assert.ok(routes.some((r) => r.name === 'http_proxy'));
    const clusters = json<{ name: string; type: string }[]>(await proxyConfig('clusters', 'reviews', '-o', 'json'));
    assert.equal(clusters.find((c) => c.name === `outbound|9080|v1|${RATINGS}`)?.type, 'EDS');
    const endpoints = json<{ cluster_name: string; endpoints: { port: number }[] }[]>(await proxyConfig('endpoints', 'reviews', '-o', 'json'));
    assert.equal(endpoints.find((e) => e.cluster_name === `outbound|9080|v1|${RATINGS}`)?.endpoints[0]?.port, ratingsPort);
    const secrets = json<{ certificates: { name: string; cert_chain: { subject_alt_names: { uri?: string }[] }[] }[] }>(await proxyConfig('secret', 'reviews', '-o', 'json'));
    const leaf = secrets.certificates.find((c) => c.name === 'default')!;
    assert.deepEqual(leaf.cert_chain[0]?.subject_alt_names, [{ uri: 'spiffe://cluster.local/ns/default/sa/reviews' }]);
    assert.doesNotMatch(JSON.stringify(secrets), /PRIVATE KEY/);
  });

  test('-o yaml of all is the whole dump with the secrets', async () => {
    const r = await proxyConfig('all', 'reviews', '-o', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    const all = parse(r.stdout) as Record<string, unknown[] | { certificates: unknown[] }>;
    for (const key of ['listeners', 'routes', 'clusters', 'endpoints']) assert.ok(Array.isArray(all[key]) && all[key].length > 0, key);
    assert.equal((all.certs as { certificates: unknown[] }).certificates.length, 2);
  });

  test('--admin asks a proxy directly, without the manager', async () => {
    const r = await runCli(['proxy-config', 'clusters', '--admin', `127.0.0.1:${reviews.adminPort}`, '--monitoring-address', '127.0.0.1:1']);
    assert.ok(rows(r).some((row) => row[0] === RATINGS && row[2] === 'v1'));
  });
});

describe('errors', () => {
  test('an unknown proxy fails (exit 1) and lists the connected ones', async () => {
    const r = await proxyConfig('clusters', 'nosuchproxy');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no proxy "nosuchproxy" is connected to the manager at http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(r.stderr.includes(reviewsId), r.stderr);
  });

  test('a bad section or a missing proxy is a usage error (exit 2)', async () => {
    const bad = await proxyConfig('listenerz', 'reviews');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown section "listenerz"; use one of listeners, routes, clusters, endpoints, secret, all/);
    assert.match(bad.stderr, /usage: isthmus proxy-config/);
    const missing = await proxyConfig('routes');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /name the proxy/);
    const format = await proxyConfig('routes', 'reviews', '-o', 'xml');
    assert.equal(format.code, 2);
  });

  test('an unreachable manager names its URL and the flag (exit 1)', async () => {
    const port = await freePort();
    const r = await runCli(['proxy-config', 'routes', 'reviews', '--monitoring-address', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach the manager at http://127\\.0\\.0\\.1:${port}/debug/syncz \\(ECONNREFUSED\\).*--monitoring-address`));
  });

  test('an unreachable admin port names the address (exit 1)', async () => {
    const port = await freePort();
    const r = await runCli(['proxy-config', 'listeners', '--admin', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`ADMIN_UNREACHABLE.*http://127\\.0\\.0\\.1:${port}/config_dump \\(ECONNREFUSED\\)`));
  });
});

describe('parts', () => {
  const proxies = [
    { id: 'sidecar~127.0.0.1~reviews-11.default~default.svc.cluster.local', type: 'sidecar', admin: '127.0.0.1:1' },
    { id: 'sidecar~127.0.0.1~reviews-22.default~default.svc.cluster.local', type: 'sidecar', admin: '127.0.0.1:2' },
    { id: 'sidecar~127.0.0.1~ratings-33.default~default.svc.cluster.local', type: 'sidecar' },
  ];

  test('a proxy is found by id, unique id prefix or workload prefix; several matches are named', () => {
    assert.equal(findProxy(proxies, proxies[0]!.id, 'm').admin, '127.0.0.1:1');
    assert.equal(findProxy(proxies, 'reviews-22', 'm').admin, '127.0.0.1:2');
    assert.equal(findProxy(proxies, 'ratings', 'm').id, proxies[2]!.id);
    assert.throws(() => findProxy(proxies, 'reviews', 'm'), (e: Error & { code?: string }) => e.code === 'PROXY_AMBIGUOUS' && e.message.includes(proxies[1]!.id));
    assert.throws(() => findProxy([], 'x', 'http://m'), /no proxies are connected to the manager at http:\/\/m/);
  });

  test('cluster names, chain matches, /clusters health flags and manager addresses', () => {
    assert.deepEqual(parseClusterName('outbound|9080||a.b.svc.cluster.local'), { fqdn: 'a.b.svc.cluster.local', port: '9080', subset: '-', direction: 'outbound' });
    assert.equal(parseClusterName('BlackHoleCluster').direction, '-');
    assert.equal(chainMatch({ filter_chain_match: { server_names: ['a.example.com'], transport_protocol: 'tls' } }), 'SNI: a.example.com; Trans: tls');
    assert.equal(chainMatch({}), 'ALL');
    assert.deepEqual(
      endpointHealth('c::1.2.3.4:80::health_flags::healthy\nc::1.2.3.4:80::rq_active::0\nc::5.6.7.8:80::health_flags::/failed_eds_health\nc::9.9.9.9:80::health_flags::/failed_outlier_check\n').map((e) => `${e.status}/${e.outlierCheck}`),
      ['HEALTHY/OK', 'UNHEALTHY/OK', 'HEALTHY/FAILED'],
    );
    assert.equal(managerUrl('127.0.0.1:15014'), 'http://127.0.0.1:15014');
    assert.equal(managerUrl('http://localhost:25014/'), 'http://localhost:25014');
    assert.equal(managerUrl('http://h:1/debug'), undefined);
  });
});
