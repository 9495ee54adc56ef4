// `isthmus proxy --xds-mode`: the real proxy process speaks the variant it is told (one process,
// or a primary feeding workers), state of the world by default, and refuses an unknown one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { freePort, startIsthmus } from '../../helpers/process.js';
import { memoryStore, startManager } from './mesh.js';

const cases: { flags: string[]; variant: 'sotw' | 'delta' }[] = [
  { flags: [], variant: 'sotw' },
  { flags: ['--xds-mode', 'delta'], variant: 'delta' },
  { flags: ['--xds-mode', 'delta', '--concurrency', '2'], variant: 'delta' },
];

for (const { flags, variant } of cases) {
  test(`isthmus proxy ${flags.join(' ') || '(no --xds-mode)'} connects with ${variant} ADS, ACKs every type and gets ready`, async (t) => {
    const store = await memoryStore();
    const manager = await startManager(store);
    const proxy = startIsthmus([
      'proxy', '--xds', `127.0.0.1:${manager.xdsPort}`, '--service', 'client', '--labels', 'app=client',
      '--admin-port', '0', '--readiness-port', '0', '--stats-port', '0',
      '--inbound-port', String(await freePort()), '--outbound-port', '0', '--drain-duration', '1s', ...flags,
    ]);
    t.after(async () => {
      await proxy.stop(3000);
      await manager.close();
      await store.close();
    });
    const streams = await eventually('the proxy in syncz with every type acked', () => {
      const found = manager.syncz().filter((c) => c.id.includes('client'));
      const acked = found.length > 0 && found.every((c) => {
        const types = Object.values(c.types);
        return types.length === 4 && types.every((ty) => ty.acked !== null && ty.acked === ty.sent && ty.lastNack === null);
      });
      return acked ? found : undefined;
    });
    assert.deepEqual(streams.map((s) => s.variant), [variant], 'one stream (the primary\'s, with workers), of the chosen variant');
    await proxy.waitForLine(/^ready$/m);
  });
}

test('isthmus proxy refuses an unknown --xds-mode', async () => {
  const r = await runCli(['proxy', '--xds', '127.0.0.1:1', '--xds-mode', 'incremental', '--service', 'client']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--xds-mode must be one of sotw, delta, not "incremental"/);
});
