// `isthmus up` refuses to start when a port it needs is taken, and says which port, what wanted
// it and which flag picks another — before it starts anything.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { freeUpPorts } from './free-layout.js';

async function hold(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

test('a taken gateway port names the port and --gateway-port', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'isthmus-up-'));
  const { base, gateway } = await freeUpPorts();
  const holder = await hold(gateway);
  t.after(() => {
    holder.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const r = await runCli(['up', '--state-dir', stateDir, '--base-port', String(base), '--gateway-port', String(gateway)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`port ${gateway} \\(ingress gateway\\) is already in use.*--gateway-port`));
});

test('a taken port in the block names its owner and --base-port', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'isthmus-up-'));
  const { base, gateway } = await freeUpPorts();
  const holder = await hold(base);
  t.after(() => {
    holder.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const r = await runCli(['up', '--state-dir', stateDir, '--base-port', String(base), '--gateway-port', String(gateway)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`port ${base} \\(manager xDS\\) is already in use.*--base-port`));
});

test('bad flags are usage errors that name the flag', async () => {
  const r = await runCli(['up', '--base-port', '70000']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--base-port must be a port number/);
  const high = await runCli(['up', '--base-port', '65500']);
  assert.equal(high.code, 2);
  assert.match(high.stderr, /--base-port 65500 leaves no room/);
});
