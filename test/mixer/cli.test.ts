// `isthmus mixer` as a user runs it: a bad file is reported with file, line and field while the
// good config serves, and a rule written while it runs applies without a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIsthmus } from '../helpers/process.js';
import { eventually } from '../helpers/eventually.js';
import { CODE } from '../../src/mixer/index.js';
import { docs, mixerClient, yaml } from './helpers.js';

test('isthmus mixer reports a bad rule by file and line, and applies new rules live', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.yaml'), yaml.rule('typo', 'sorce.principal == "x"', [{ handler: 'deny', instances: ['nothing'] }]));
  writeFileSync(join(dir, 'base.yaml'), docs(yaml.handler('deny', 'denier', { status: { message: 'admins only' } }), yaml.instance('nothing', 'checknothing', {})));
  const mixer = startIsthmus(['mixer', '--config-dir', dir, '--grpc-port', '0', '--monitoring-port', '0']);
  t.after(() => mixer.stop());
  const address = (await mixer.waitForLine(/mixer grpc (\S+) /))[1]!;
  assert.match(mixer.output(), /bad\.yaml:6:\d+: spec\.match: .*1:1: unknown attribute "sorce\.principal"; did you mean "source\.principal"\?/);
  const client = mixerClient(address);
  t.after(() => client.close());
  assert.equal((await client.check({ 'request.path': '/admin' })).status.code, CODE.OK);
  writeFileSync(join(dir, 'rule.yaml'), yaml.rule('admin', 'request.path.startsWith("/admin")', [{ handler: 'deny', instances: ['nothing'] }]));
  const denied = await eventually('the new rule applies', async () => {
    const r = await client.check({ 'request.path': '/admin' });
    return r.status.code === CODE.PERMISSION_DENIED ? r : undefined;
  });
  assert.equal(denied.status.message, 'admins only');
  assert.equal((await client.check({ 'request.path': '/' })).status.code, CODE.OK);
});
