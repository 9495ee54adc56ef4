import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

async function withConfigDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-cli-'));
  try {
    await fn(join(dir, 'config'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: edge
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
`;

test('help lists every command, and each command has help with examples', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 0);
  for (const c of ['apply', 'get', 'delete', 'analyze', 'version']) {
    assert.match(r.stdout, new RegExp(`^ {2}${c} `, 'm'));
    const h = await runCli([c, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: isthmus /);
    assert.match(h.stdout, /Examples:\n {2}isthmus /);
  }
});

test('version prints the package version', async () => {
  const r = await runCli(['version']);
  assert.match(r.stdout, /^isthmus 0\.1\.0 \(node v\d+/);
  const j = JSON.parse((await runCli(['version', '-o', 'json'])).stdout) as { isthmus: string };
  assert.equal(j.isthmus, '0.1.0');
});

test('unknown commands and flags are usage errors (exit 2)', async () => {
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const r = await runCli(['get', 'vs', '--colour']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown option '--colour'/);
  const k = await runCli(['get', 'widgets']);
  assert.equal(k.code, 2);
  assert.match(k.stderr, /unknown kind "widgets"/);
});

test('apply, get and delete round-trip through the file store', () =>
  withConfigDir(async (dir) => {
    const created = await runCli(['apply', '-f', '-', '--config-dir', dir], { stdin: GATEWAY });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), 'gateway/edge created');
    assert.equal((await runCli(['apply', '-f', '-', '--config-dir', dir], { stdin: GATEWAY })).stdout.trim(), 'gateway/edge unchanged');
    const changed = GATEWAY.replace('8080', '8081');
    assert.equal((await runCli(['apply', '-f', '-', '--config-dir', dir], { stdin: changed })).stdout.trim(), 'gateway/edge configured');

    const table = await runCli(['get', 'gateways', '--config-dir', dir]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAMESPACE\s+NAME\s+RESOURCE VERSION\ndefault\s+edge\s+\d+/);
    const one = JSON.parse((await runCli(['get', 'gw', 'edge', '-o', 'json', '--config-dir', dir])).stdout) as { spec: { servers: { port: { number: number } }[] } };
    assert.equal(one.spec.servers[0]?.port.number, 8081);
    const yaml = await runCli(['get', 'gateway', 'edge', '-o', 'yaml', '--config-dir', dir]);
    assert.match(yaml.stdout, /kind: Gateway/);

    const del = await runCli(['delete', 'gateway', 'edge', '--config-dir', dir]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), 'gateway/edge deleted');
    const gone = await runCli(['get', 'gw', 'edge', '--config-dir', dir]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Gateway "edge" not found in namespace "default"/);
    assert.equal((await runCli(['delete', 'gw', 'edge', '--config-dir', dir])).code, 1);
  }));

test('apply of a directory with one invalid file applies nothing and names the problem', () =>
  withConfigDir(async (dir) => {
    const bad = `${GATEWAY}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [r]
  http:
  - timeout: 10x
    route: [{destination: {host: r}}]
`;
    const r = await runCli(['apply', '-f', '-', '--config-dir', dir], { stdin: bad });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /<stdin>:17:14: spec\.http\[0\]\.timeout: "10x" is not a duration/);
    assert.match(r.stderr, /nothing was applied/);
    const list = await runCli(['get', 'gateways', '-A', '--config-dir', dir]);
    assert.doesNotMatch(list.stdout, /edge/);
  }));

test('apply -n puts namespace-less resources in that namespace; the Bookinfo set applies and deletes by file', () =>
  withConfigDir(async (dir) => {
    const samples = repoPath('samples/bookinfo/networking/destination-rule-all.yaml');
    const r = await runCli(['apply', '-f', samples, '-n', 'bookinfo', '--config-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /destinationrule\/reviews created/);
    const list = await runCli(['get', 'dr', '-n', 'bookinfo', '-o', 'json', '--config-dir', dir]);
    const items = (JSON.parse(list.stdout) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name).sort();
    assert.deepEqual(items, ['details', 'productpage', 'ratings', 'reviews']);
    assert.ok((await readdir(dir, { recursive: true })).some((f) => f.toString().endsWith('.yaml')));
    const miss = await runCli(['delete', '-f', samples, '--config-dir', dir]);
    assert.equal(miss.code, 1, 'the samples name no namespace, so without -n they are looked for in "default"');
    const del = await runCli(['delete', '-f', samples, '-n', 'bookinfo', '--config-dir', dir]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await runCli(['get', 'dr', '-A', '-o', 'json', '--config-dir', dir])).stdout.includes('reviews'), false);
  }));
