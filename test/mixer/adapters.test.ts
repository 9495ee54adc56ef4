// Adapters on their own: list (inline and fetched from a real HTTP server), memquota windows,
// stdio rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createList } from '../../src/mixer/adapters/list/list.js';
import { createMemquota } from '../../src/mixer/adapters/memquota/memquota.js';
import { createStdio } from '../../src/mixer/adapters/stdio/stdio.js';
import { CODE } from '../../src/mixer/index.js';
import { ipBytes as ip } from '../../src/mixer/expr/values.js';
import { eventually } from '../helpers/eventually.js';

const env = (now = Date.now) => ({ handler: 'h.default', registry: new Registry(), log: () => undefined, now });
const entry = (value: unknown) => ({ name: 'e', namespace: 'default', template: 'listentry', fields: { value: value as string } });

test('list: whitelist of CIDRs, blacklist of regexes, case-insensitive strings', async () => {
  const cidrs = await createList({ overrides: ['10.0.0.0/8', 'fd00::/8', '192.168.1.1'], entryType: 'IP_ADDRESSES' }, env());
  assert.equal((await cidrs.check!(entry('10.20.30.40'))).status.code, CODE.OK);
  assert.equal((await cidrs.check!(entry(ip('10.20.30.40')))).status.code, CODE.OK);
  assert.equal((await cidrs.check!(entry('fd00::1'))).status.code, CODE.OK);
  assert.equal((await cidrs.check!(entry('192.168.1.2'))).status.code, CODE.PERMISSION_DENIED);
  assert.equal((await cidrs.check!(entry('not-an-ip'))).status.message, 'h.default: "not-an-ip" is not whitelisted');
  const regexes = await createList({ overrides: ['^bot-.*', 'crawler'], entryType: 'REGEX', blacklist: true }, env());
  assert.equal((await regexes.check!(entry('bot-7'))).status.code, CODE.PERMISSION_DENIED);
  assert.equal((await regexes.check!(entry('human'))).status.code, CODE.OK);
  const names = await createList({ overrides: ['Reviews'], entryType: 'CASE_INSENSITIVE_STRINGS' }, env());
  assert.equal((await names.check!(entry('REVIEWS'))).status.code, CODE.OK);
  assert.equal(ip('::1')?.length, 16);
});

test('list: fetched from a URL and refreshed; stale after its ttl', async (t) => {
  let body = 'alice\nbob # comment\n';
  let up = true;
  const server = createServer((_req, res) => {
    if (!up) {
      res.writeHead(500);
      res.end();
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const port = (server.address() as { port: number }).port;
  let now = 1_000_000;
  const list = await createList({ providerUrl: `http://127.0.0.1:${port}/list`, refreshInterval: '100ms', ttl: '10s', overrides: ['carol'] }, env(() => now));
  t.after(() => list.close?.());
  assert.equal((await list.check!(entry('bob'))).status.code, CODE.OK);
  assert.equal((await list.check!(entry('carol'))).status.code, CODE.OK);
  assert.equal((await list.check!(entry('dave'))).status.code, CODE.PERMISSION_DENIED);
  assert.ok((await list.check!(entry('bob'))).validDurationMs <= 100, 'a client may not cache past the next refresh');
  body = '["dave"]';
  await eventually('the refreshed list allows dave', async () => ((await list.check!(entry('dave'))).status.code === CODE.OK ? true : undefined));
  assert.equal((await list.check!(entry('bob'))).status.code, CODE.PERMISSION_DENIED);
  up = false;
  now += 60_000;
  assert.equal((await list.check!(entry('dave'))).status.code, CODE.UNAVAILABLE);
  assert.equal((await list.check!(entry('carol'))).status.code, CODE.OK, 'inline entries do not go stale');
});

test('memquota: rolling window frees quota bucket by bucket; best effort', () => {
  let now = 0;
  const mq = createMemquota({ quotas: [{ name: 'q', maxAmount: 4, validDuration: '4s', bucketDuration: '1s', rateLimitAlgorithm: 'ROLLING_WINDOW' }] }, env(() => now));
  const inst = { name: 'q', namespace: 'default', template: 'quota', fields: { dimensions: {} } };
  const q = (amount: number, bestEffort = false) => (mq.quota!(inst, { amount, bestEffort, dedupId: '' }) as { grantedAmount: number }).grantedAmount;
  assert.equal(q(2), 2);
  now = 1000;
  assert.equal(q(2), 2);
  now = 2000;
  assert.equal(q(1), 0);
  assert.equal(q(3, true), 0);
  now = 4000; // the bucket of t=0 left the window
  assert.equal(q(3, true), 2);
  now = 5000;
  assert.equal(q(2), 2);
  const unknown = mq.quota!({ ...inst, name: 'other' }, { amount: 7, bestEffort: false, dedupId: '' }) as { grantedAmount: number };
  assert.equal(unknown.grantedAmount, 7, 'no limit configured for the instance');
});

test('stdio: rotates by size and keeps maxRotatedFiles', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-stdio-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'log.jsonl');
  const a = createStdio({ logStream: 'ROTATED_FILE', outputPath: path, maxMegabytesBeforeRotation: 1, maxRotatedFiles: 2 }, env());
  t.after(() => a.close?.());
  const big = 'x'.repeat(300 * 1024);
  for (let i = 0; i < 10; i++) await a.report!([{ name: 'log', namespace: 'default', template: 'logentry', fields: { variables: { i, big } } }]);
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`) && !existsSync(`${path}.3`));
  const last = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i: number });
  assert.equal(last[last.length - 1]!.i, 9);
});
