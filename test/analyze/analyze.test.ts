import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPaths, loadText } from '../../src/api/index.js';
import { analyze, hasErrors, MESSAGES } from '../../src/analyze/index.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const BROKEN = repoPath('test/fixtures/analyze/broken');
const CLEAN = repoPath('test/fixtures/analyze/clean');

test('every kind of mistake in the broken set is reported with its code', async () => {
  const messages = analyze(await loadPaths([BROKEN]));
  const codes = new Set(messages.map((m) => m.code));
  for (const type of [
    MESSAGES.SchemaValidationError,
    MESSAGES.ReferencedSubsetNotFound,
    MESSAGES.ReferencedGatewayNotFound,
    MESSAGES.RouteWeightsNotHundred,
    MESSAGES.MultipleDestinationRulesForHost,
    MESSAGES.UnknownHost,
    MESSAGES.ConflictingPeerAuthentications,
    MESSAGES.SelectorMatchesNoWorkload,
  ]) {
    assert.ok(codes.has(type.code), `expected ${type.code} ${type.name} in ${JSON.stringify(messages, null, 1)}`);
  }
  const subset = messages.find((m) => m.code === MESSAGES.ReferencedSubsetNotFound.code);
  assert.equal(subset?.resource, 'VirtualService shop/reviews');
  assert.match(subset?.message ?? '', /"v9"/);
  assert.match(subset?.file ?? '', /routing\.yaml$/);
  assert.equal(subset?.line, 2);
  assert.equal(messages.filter((m) => m.code === MESSAGES.UnknownHost.code).length, 1, 'only ratings is unknown');
  assert.ok(hasErrors(messages));
});

test('the clean set has no message at all', async () => {
  const messages = analyze(await loadPaths([CLEAN]));
  assert.deepEqual(messages, []);
});

test('weights: one destination without weight is fine; 100 split is fine; missing weights on a split are not', () => {
  const vs = (route: string) => loadText(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [r]
  http:
  - route: ${route}
`, 'w.yaml');
  const weightErrors = (route: string) => analyze(vs(route)).filter((m) => m.code === MESSAGES.RouteWeightsNotHundred.code).length;
  assert.equal(weightErrors('[{destination: {host: r}}]'), 0);
  assert.equal(weightErrors('[{destination: {host: r}, weight: 100}]'), 0);
  assert.equal(weightErrors('[{destination: {host: r}, weight: 50}]'), 1);
  assert.equal(weightErrors('[{destination: {host: r}, weight: 60}, {destination: {host: s}, weight: 40}]'), 0);
  assert.equal(weightErrors('[{destination: {host: r}}, {destination: {host: s}}]'), 1);
});

test('gateway references resolve short names in the VirtualService namespace and accept "mesh"', () => {
  const text = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: app}
spec:
  hosts: [a]
  gateways: [edge/gw, mesh, gw]
  http: [{route: [{destination: {host: a}}]}]
`;
  const missing = analyze(loadText(text, 'g.yaml')).filter((m) => m.code === MESSAGES.ReferencedGatewayNotFound.code);
  assert.equal(missing.length, 1);
  assert.match(missing[0]?.message ?? '', /"gw"/);
});

test('peer authentications at different scopes do not conflict', () => {
  const pa = (name: string, ns: string, selector: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: ${ns}}
spec:
  ${selector}
  mtls: {mode: STRICT}
`;
  const text = [pa('mesh', 'isthmus-system', ''), pa('ns', 'shop', ''), pa('wl', 'shop', 'selector: {matchLabels: {app: a}}')].join('---\n');
  assert.equal(analyze(loadText(text, 'p.yaml')).filter((m) => m.code === MESSAGES.ConflictingPeerAuthentications.code).length, 0);
});

test('isthmus analyze exits 79 on errors and prints codes; 0 on a clean directory', async () => {
  const broken = await runCli(['analyze', BROKEN]);
  assert.equal(broken.code, 79, broken.stderr);
  for (const code of ['ISTH0001', 'ISTH0101', 'ISTH0102', 'ISTH0103', 'ISTH0104', 'ISTH0105', 'ISTH0106', 'ISTH0107']) {
    assert.match(broken.stdout, new RegExp(`\\[${code}\\]`));
  }
  assert.match(broken.stdout, /^Error \[ISTH0101\] \(VirtualService shop\/reviews .*routing\.yaml:2\)/m);
  const json = await runCli(['analyze', BROKEN, '-o', 'json']);
  assert.equal(json.code, 79);
  assert.ok((JSON.parse(json.stdout) as unknown[]).length >= 8);
  const yaml = await runCli(['analyze', BROKEN, '-o', 'yaml']);
  assert.match(yaml.stdout, /code: ISTH0103/);
  const clean = await runCli(['analyze', CLEAN]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /No validation issues/);
});

test('isthmus analyze rejects an unknown output format with a usage error', async () => {
  const r = await runCli(['analyze', CLEAN, '-o', 'xml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--output must be one of text, json, yaml/);
});
