// DestinationRule load balancing end to end: a real control plane, a real client sidecar in a
// known locality, and three scripted loopback backends (a, b, c) behind one service per policy.
// Each backend names itself in its answer, so the spread of requests is read straight from
// what the client got back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../../helpers/eventually.js';
import { curlOutput, viaProxy } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';
import { destinationRule, loopbackServiceEntry, resource, type LoopbackEndpoint } from './resources.js';
import { OK, startScriptedBackend, type ScriptedBackend } from './scripted-backend.js';

const host = (name: string) => `${name}.default.svc.cluster.local`;
const RR = host('rr');
const RANDOM = host('random');
const LEAST = host('least');
const RING = host('ring');
const MAGLEV = host('maglev');
const COOKIE = host('cookie');
const LOCAL = host('local');
/** Ring hash by x-user with no VirtualService: only the default route can carry the hash policy. */
const PLAIN_RING = host('plain-ring');
const url = (h: string, path: string) => `http://${h}:8080${path}`;

const HERE = 'us-east/zone-a';
const AWAY = 'us-west/zone-b';

/** A VirtualService sending everything to the host itself: its route carries the rule's hash policy. */
function toItself(name: string, h: string): string {
  return resource('VirtualService', name, { hosts: [h], http: [{ route: [{ destination: { host: h } }] }] });
}

let mesh: Mesh;
let client: Sidecar;
let a: ScriptedBackend;
let b: ScriptedBackend;
let c: ScriptedBackend;
/** Switched on to make the local endpoint (a) fail the locality service's requests. */
let localFails = false;

before(async () => {
  [a, b, c] = await Promise.all([
    startScriptedBackend('a', (r) => (localFails && r.path.startsWith('/loc/') ? { kind: 'answer', status: 500 } : OK)),
    startScriptedBackend('b'),
    // c is the slow one for least-request: 1 s per /slow/ request.
    startScriptedBackend('c', (r) => (r.path.startsWith('/slow/') ? { kind: 'answer', delayMs: 1000 } : OK)),
  ]);
  const three: LoopbackEndpoint[] = [{ port: a.port }, { port: b.port }, { port: c.port }];
  const byHeader = { httpHeaderName: 'x-user' };
  mesh = await Mesh.start({
    'rr.yaml': loopbackServiceEntry('rr', RR, three),
    'rr-dr.yaml': destinationRule('rr', RR, { loadBalancer: { simple: 'ROUND_ROBIN' } }),
    'random.yaml': loopbackServiceEntry('random', RANDOM, three),
    'random-dr.yaml': destinationRule('random', RANDOM, { loadBalancer: { simple: 'RANDOM' } }),
    'least.yaml': loopbackServiceEntry('least', LEAST, three),
    'least-dr.yaml': destinationRule('least', LEAST, { loadBalancer: { simple: 'LEAST_REQUEST' } }),
    'ring.yaml': loopbackServiceEntry('ring', RING, three),
    'ring-dr.yaml': destinationRule('ring', RING, { loadBalancer: { consistentHash: byHeader } }),
    'ring-vs.yaml': toItself('ring', RING),
    'plain-ring.yaml': loopbackServiceEntry('plain-ring', PLAIN_RING, three),
    'plain-ring-dr.yaml': destinationRule('plain-ring', PLAIN_RING, { loadBalancer: { consistentHash: byHeader } }),
    'maglev.yaml': loopbackServiceEntry('maglev', MAGLEV, three),
    'maglev-dr.yaml': destinationRule('maglev', MAGLEV, { loadBalancer: { consistentHash: { ...byHeader, maglev: { tableSize: 65537 } } } }),
    'maglev-vs.yaml': toItself('maglev', MAGLEV),
    'cookie.yaml': loopbackServiceEntry('cookie', COOKIE, three),
    'cookie-dr.yaml': destinationRule('cookie', COOKIE, { loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '60s' } } } }),
    'cookie-vs.yaml': toItself('cookie', COOKIE),
    'local.yaml': loopbackServiceEntry('local', LOCAL, [{ port: a.port, locality: HERE }, { port: b.port, locality: AWAY }]),
    // Istio applies locality failover only with outlier detection, which notices the failing locality.
    'local-dr.yaml': destinationRule('local', LOCAL, {
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
    }),
  });
  client = await mesh.sidecar({ service: 'client', extraArgs: ['--locality', HERE] });
});

after(async () => {
  await mesh?.close();
  await Promise.all([a?.close(), b?.close(), c?.close()]);
});

/** Which backend answered each of a curl run's transfers (bodies are `<backend> GET <path>`). */
function answeredBy(output: string): string[] {
  return output.split('\n').filter((l) => l !== '').map((l) => l.split(' ')[0]!);
}

/** `count` requests in one curl process (a URL glob), in order. */
async function sequence(h: string, prefix: string, count: number, args: string[] = []): Promise<string[]> {
  const out = await curlOutput(['-x', `http://127.0.0.1:${client.outboundPort}`, ...args, url(h, `${prefix}[1-${count}]`)]);
  const by = answeredBy(out);
  assert.equal(by.length, count, out.slice(0, 500));
  return by;
}

function tally(names: string[]): Record<string, number> {
  const out: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

test('ROUND_ROBIN spreads 300 requests evenly over three endpoints (each 1/3 ± 10%)', async () => {
  const counts = tally(await sequence(RR, '/rr/', 300));
  for (const name of ['a', 'b', 'c']) {
    assert.ok(Math.abs(counts[name]! / 300 - 1 / 3) <= 0.1, `${name} got ${counts[name]}/300: ${JSON.stringify(counts)}`);
  }
});

test('RANDOM uses all three endpoints, in no fixed rotation', async () => {
  const by = await sequence(RANDOM, '/random/', 300);
  const counts = tally(by);
  for (const name of ['a', 'b', 'c']) assert.ok(counts[name]! > 0, JSON.stringify(counts));
  // A rotation never picks the same endpoint twice running; 300 random picks all but surely do.
  const repeats = by.filter((n, i) => i > 0 && by[i - 1] === n).length;
  assert.ok(repeats > 0, `no endpoint was picked twice in a row: ${by.slice(0, 30).join('')}`);
});

test('LEAST_REQUEST: with one endpoint slow, most concurrent requests go to the fast ones', async () => {
  // Ten clients at once, twenty requests each; c holds each of its requests for 1 s, so it
  // mostly has requests in flight when the balancer compares it with another.
  const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => sequence(LEAST, `/slow/${i}-`, 20)));
  const counts = tally(runs.flat());
  const total = 200;
  // Round robin would give c a third (67); two-choice least request about a ninth.
  assert.ok(counts.c! < total * 0.25, `slow c got ${counts.c}/${total}: ${JSON.stringify(counts)}`);
  assert.ok(counts.c! < counts.a! && counts.c! < counts.b!, JSON.stringify(counts));
});

/** For each key: the backends that answered its requests (one when the hash sticks). */
async function stickiness(h: string, keys: string[], header: (key: string) => string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const key of keys) out.set(key, new Set(await sequence(h, `/hash/${key}/`, 4, ['-H', header(key)])));
  return out;
}

function assertSticky(byKey: Map<string, Set<string>>): void {
  for (const [key, backends] of byKey) assert.equal(backends.size, 1, `${key} went to ${[...backends].join(', ')}`);
  const used = new Set([...byKey.values()].flatMap((s) => [...s]));
  assert.ok(used.size >= 2, `${byKey.size} different keys all went to ${[...used].join(', ')}`);
}

const USERS = Array.from({ length: 20 }, (_, i) => `user-${i}`);

test('consistentHash httpHeaderName (ring hash): one x-user value always reaches the same endpoint; values spread', async () => {
  assertSticky(await stickiness(RING, USERS, (u) => `x-user: ${u}`));
});

test('consistentHash also holds for a service without a VirtualService (its default route)', async () => {
  assertSticky(await stickiness(PLAIN_RING, USERS, (u) => `x-user: ${u}`));
});

test('consistentHash with maglev: one x-user value always reaches the same endpoint; values spread', async () => {
  assertSticky(await stickiness(MAGLEV, USERS, (u) => `x-user: ${u}`));
});

test('consistentHash httpCookie: the cookie pins the endpoint; without one the proxy sets it', async () => {
  assertSticky(await stickiness(COOKIE, USERS, (u) => `Cookie: session=${u}`));
  // No cookie and a ttl: the proxy makes one up, hashes it, and hands it to the client.
  const first = await viaProxy(client, url(COOKIE, '/hash/new'));
  assert.equal(first.status, 200);
  const set = first.headers['set-cookie'];
  assert.ok(set, `no Set-Cookie in ${JSON.stringify(first.headers)}`);
  assert.match(set, /^session="?[0-9a-f]+"?; Max-Age=60/);
  const cookie = set.split(';')[0]!;
  const again = new Set(await sequence(COOKIE, '/hash/new/', 6, ['-H', `Cookie: ${cookie}`]));
  assert.deepEqual([...again], [first.headers['x-backend']], 'the generated cookie leads back to the same endpoint');
});

test('locality failover: traffic stays in the proxy\'s locality, and moves away once the local endpoint is ejected', async () => {
  const local = await sequence(LOCAL, '/loc/before-', 30);
  assert.deepEqual(tally(local), { a: 30, b: 0, c: 0 }, `all to the ${HERE} endpoint`);
  localFails = true;
  let n = 0;
  await eventually('a request answered from the other locality', async () => {
    const r = await viaProxy(client, url(LOCAL, `/loc/failing-${n++}`));
    return r.headers['x-backend'] === 'b' ? true : undefined;
  });
  const clusters = await (await client.admin('/clusters')).text();
  assert.ok(clusters.includes(`outbound|8080||${LOCAL}::127.0.0.1:${a.port}::health_flags::/failed_outlier_check`), clusters);
  const away = await sequence(LOCAL, '/loc/after-', 20);
  assert.deepEqual(tally(away), { a: 0, b: 20, c: 0 }, `all to the ${AWAY} endpoint`);
});
