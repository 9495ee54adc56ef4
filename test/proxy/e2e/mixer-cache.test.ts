// The Check cache through a real proxy: with a rule that reads only source.principal, 200
// requests with different paths through a sidecar make one Check call (counted on the Mixer's
// side). Plaintext callers have no principal, so all of them share the one "absent" answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBackend } from '../../helpers/backends.js';
import { docs, yaml } from '../../mixer/helpers.js';
import { startCountingMixer } from '../../mixerclient/helpers.js';
import { curlOutput } from './fixtures.js';
import { Mesh } from './mesh.js';
import { meshConfig } from './mixer-mesh.js';

test('200 requests varying the path make one Check call through a real proxy', async (t) => {
  const mixer = await startCountingMixer(docs(
    yaml.handler('intruders', 'list', { overrides: ['cluster.local/ns/default/sa/intruder'], blacklist: true }),
    yaml.instance('who', 'listentry', { value: 'source.principal | "none"' }),
    yaml.rule('by-principal', undefined, [{ handler: 'intruders', instances: ['who'] }]),
  ));
  t.after(() => mixer.close());
  const app = await startHttpBackend('echo');
  t.after(() => app.close());
  const mesh = await Mesh.start({ 'mesh.yaml': meshConfig(mixer.address, false, '') });
  t.after(() => mesh.close());
  const sidecar = await mesh.sidecar({ service: 'echo', labels: { app: 'echo' }, appPort: app.port, outboundPort: 0 });
  await sidecar.waitForConfig('the Mixer filter', (dump) => dump.includes('isthmus.mixer.v1.HttpClientConfig'));
  const out = await curlOutput(['-o', '/dev/null', '-w', '%{http_code}\\n', `http://127.0.0.1:${sidecar.inboundPort}/items/[1-200]`]);
  const codes = out.trim().split('\n');
  assert.equal(codes.length, 200);
  assert.ok(codes.every((c) => c === '200'), out);
  assert.equal(mixer.checks(), 1);
});
