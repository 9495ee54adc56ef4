// Two meshes' sidecars in front of one app, each sidecar's MeshConfig naming a different real
// `isthmus mixer`, both Mixers counting a redisquota on one real redis-server: under concurrent
// load through both proxies the quota is shared exactly (N requests in all, not 2N).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { freePorts } from '../../helpers/process.js';
import { docs, startRedis, yaml } from '../../mixer/helpers.js';
import { curl } from '../../helpers/curl.js';
import { curlOutput, MAX_TIME } from './fixtures.js';
import { Mesh, type Sidecar } from './mesh.js';
import { meshConfig, startMixer, type MixerProcess } from './mixer-mesh.js';

const QUOTA = 20;

let redis: Awaited<ReturnType<typeof startRedis>>;
let app: Backend;
const meshes: Mesh[] = [];
const mixers: MixerProcess[] = [];
const sidecars: Sidecar[] = [];

before(async () => {
  redis = await startRedis();
  app = await startHttpBackend('echo');
  const policy = docs(
    yaml.handler('shared', 'redisquota', { redisServerUrl: redis.url, quotas: [{ name: 'requestcount', maxAmount: QUOTA, validDuration: '10m' }] }),
    yaml.instance('requestcount', 'quota', { dimensions: {} }),
    yaml.rule('limit', undefined, [{ handler: 'shared', instances: ['requestcount'] }]),
  );
  for (const name of ['a', 'b']) {
    const [mixerPort] = (await freePorts(1)) as [number];
    const mesh = await Mesh.start({ 'policy.yaml': policy, 'mesh.yaml': meshConfig(`127.0.0.1:${mixerPort}`) });
    meshes.push(mesh);
    mixers.push(await startMixer(mesh.dir, mixerPort));
    const sidecar = await mesh.sidecar({ service: `echo-${name}`, labels: { app: 'echo' }, appPort: app.port, outboundPort: 0 });
    await sidecar.waitForConfig('the Mixer filter', (dump) => dump.includes('isthmus.mixer.v1.HttpClientConfig'));
    sidecars.push(sidecar);
  }
});

after(async () => {
  await Promise.all(meshes.map((m) => m.close()));
  await Promise.all(mixers.map((m) => m.stop()));
  await app?.close();
  await redis?.stop();
});

test('two Mixers on one Redis share one quota exactly under concurrent load through two proxies', async () => {
  const burst = (s: Sidecar) => curlOutput(['-o', '/dev/null', '-w', '%{http_code}\\n', '-Z', '--parallel-max', '8', `http://127.0.0.1:${s.inboundPort}/load/[1-30]`]);
  const outs = await Promise.all(sidecars.map(burst));
  const codes = outs.join('').trim().split('\n').map(Number);
  assert.equal(codes.length, 60);
  assert.ok(codes.every((c) => c === 200 || c === 429), codes.join(' '));
  let ok = codes.filter((c) => c === 200).length;
  // Grants a proxy prefetched and has not used yet are still its to spend: use them up.
  for (const s of sidecars) {
    for (;;) {
      const r = await curl([...MAX_TIME, `http://127.0.0.1:${s.inboundPort}/drain`]);
      if (r.status !== 200) {
        assert.equal(r.status, 429, r.body);
        break;
      }
      ok++;
    }
  }
  assert.equal(ok, QUOTA, `${ok} requests went through; the shared quota is ${QUOTA}`);
});
