// An allocation quota through a real proxy and a real `isthmus mixer`: a memquota with
// `maxAmount: 2` and no validDuration allows two requests in flight. The app holds /hold/wait-*
// requests open until the test lets them go, so the third concurrent request gets 429; once one
// completes, the proxy releases its unit and a new request goes through. A client that hangs up
// while its request is held gives its unit back too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { eventually } from '../../helpers/eventually.js';
import { freePorts } from '../../helpers/process.js';
import { docs, yaml } from '../../mixer/helpers.js';
import { Mesh, type Sidecar } from './mesh.js';
import { meshConfig, startMixer, type MixerProcess } from './mixer-mesh.js';

const IN_FLIGHT = 2;

let mesh: Mesh;
let mixer: MixerProcess;
let sidecar: Sidecar;
let app: Server;
/** Held requests by path: calling one answers it. */
const held = new Map<string, () => void>();
const closed: string[] = [];
/** Who waits for a path to reach the app (and be held there). */
const arrivals = new Map<string, () => void>();

function whenHeld(path: string): Promise<void> {
  if (held.has(path)) return Promise.resolve();
  return new Promise((resolve) => arrivals.set(path, resolve));
}

let seq = 0;
/**
 * A request the quota lets through and the app holds, retried until one is: resolves with a
 * function that lets it complete (and its answer).
 */
function holdOne(): Promise<{ letGo(): void; answer: Promise<Answer> }> {
  return eventually('a request is let through and held', async () => {
    const path = `/hold/wait-n${++seq}`;
    const s = send(path);
    const first = await Promise.race([s.answer, whenHeld(path).then(() => 'held' as const)]);
    arrivals.delete(path);
    return first === 'held' ? { letGo: held.get(path)!, answer: s.answer } : undefined;
  });
}

interface Answer { status: number; body: string }
const inflight = new Set<{ destroy(): void }>();

/** One request to the sidecar's inbound port on its own connection; `abort` hangs up. */
function send(path: string): { answer: Promise<Answer>; abort(): void } {
  const req = request({ host: '127.0.0.1', port: sidecar.inboundPort, path, agent: false });
  inflight.add(req);
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('close', () => inflight.delete(req));
  });
  req.end();
  return { answer, abort: () => req.destroy() };
}

const get = (path: string) => send(path).answer;

before(async () => {
  app = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/hold/wait-')) {
      held.set(path, () => res.end(`done ${path}`));
      res.on('close', () => closed.push(path));
      arrivals.get(path)?.();
      return;
    }
    res.end(`quick ${path}`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const [mixerPort] = (await freePorts(1)) as [number];
  mesh = await Mesh.start({
    'policy.yaml': docs(
      yaml.handler('concurrency', 'memquota', { quotas: [{ name: 'inflight', maxAmount: IN_FLIGHT }] }),
      yaml.instance('inflight', 'quota', { dimensions: { destination: 'destination.service.host | "unknown"' } }),
      yaml.rule('limit-held', 'request.path.startsWith("/hold")', [{ handler: 'concurrency', instances: ['inflight'] }]),
    ),
    'mesh.yaml': meshConfig(`127.0.0.1:${mixerPort}`),
  });
  mixer = await startMixer(mesh.dir, mixerPort);
  sidecar = await mesh.sidecar({ service: 'holder', labels: { app: 'holder' }, appPort: (app.address() as { port: number }).port, outboundPort: 0 });
  await sidecar.waitForConfig('the Mixer filter asking for the inflight quota', (dump) => dump.includes('isthmus.mixer.v1.HttpClientConfig') && dump.includes('inflight'));
  await eventually('the sidecar serves the app', async () => ((await get('/ready')).status === 200 ? true : undefined));
});

after(async () => {
  for (const answer of held.values()) answer();
  for (const req of inflight) req.destroy();
  await mesh?.close();
  await mixer?.stop();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
});

test('maxAmount with no validDuration bounds the requests in flight; completing one frees its unit', async () => {
  const first = get('/hold/wait-1');
  const second = get('/hold/wait-2');
  await Promise.all([whenHeld('/hold/wait-1'), whenHeld('/hold/wait-2')]);
  const third = await get('/hold/quick');
  assert.equal(third.status, 429, third.body);
  assert.match(third.body, /^RESOURCE_EXHAUSTED:quota inflight is exhausted/);
  assert.equal((await get('/free')).status, 200, 'a path no quota rule matches is not limited');

  held.get('/hold/wait-1')!();
  assert.deepEqual(await first, { status: 200, body: 'done /hold/wait-1' });
  // The release goes out when the stream is over; the next Check may race it.
  const next = await eventually('a new request goes through once one completed', async () => {
    const r = await get('/hold/quick');
    return r.status === 200 ? r : undefined;
  });
  assert.equal(next.body, 'quick /hold/quick');

  // Completed requests gave their units back and no more: with two held again, the limit holds.
  const fourth = get('/hold/wait-3');
  await whenHeld('/hold/wait-3');
  await eventually('a third concurrent request is refused again', async () => ((await get('/hold/quick')).status === 429 ? true : undefined));
  held.get('/hold/wait-2')!();
  held.get('/hold/wait-3')!();
  assert.equal((await second).status, 200);
  assert.equal((await fourth).status, 200);
  // Both units come back: two requests can be held at once again, and not a third.
  const a = await holdOne();
  const b = await holdOne();
  assert.equal((await get('/hold/quick')).status, 429);
  a.letGo();
  b.letGo();
  assert.equal((await a.answer).status, 200);
  assert.equal((await b.answer).status, 200);
});

test('a client that hangs up while its request is held releases its unit', async () => {
  const holding = get('/hold/wait-keep');
  const leaving = send('/hold/wait-leave');
  await Promise.all([whenHeld('/hold/wait-keep'), whenHeld('/hold/wait-leave')]);
  assert.equal((await get('/hold/quick')).status, 429);
  leaving.abort();
  await assert.rejects(leaving.answer);
  await eventually('the proxy gave the upstream request up', () => (closed.includes('/hold/wait-leave') ? true : undefined));
  await eventually('the unit of the client that left is free', async () => ((await get('/hold/quick')).status === 200 ? true : undefined));
  held.get('/hold/wait-keep')!();
  assert.equal((await holding).status, 200);
});
