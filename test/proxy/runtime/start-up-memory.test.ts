// What keeps an idle proxy small (bench/proxy idle RSS): V8's young generation is held at its
// initial size while the proxy starts and grows again once released, and the modules a proxy
// without a workload identity loads leave out the CA, X.509 code, the config schemas and
// undici's root. Each check runs in a fresh node process, since both are process-wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../../helpers/paths.js';

const run = promisify(execFile);

async function node(args: string[], source: string): Promise<string> {
  const { stdout } = await run(process.execPath, [...args, '--input-type=module', '-e', source], { cwd: repoPath('.') });
  return stdout.trim();
}

const YOUNG = pathToFileURL(repoPath('dist/src/proxy/runtime/young-generation.js')).href;

// Allocates objects that all survive (as module loading does) and prints the new space's size in KB.
const SURVIVORS = `
  const keep = [];
  const fill = () => { for (let i = 0; i < 300000; i++) keep.push({ a: i, b: 'x' + i, c: [i] }); };
  const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1024;`;

test('the young generation stays at its initial size while held and grows once released', async () => {
  const out = await node([], `
    import v8 from 'node:v8';
    import { holdYoungGeneration } from '${YOUNG}';
    ${SURVIVORS}
    const initial = newSpace();
    const release = holdYoungGeneration([], '');
    fill();
    const held = newSpace();
    release();
    fill();
    console.log(JSON.stringify({ initial, held, released: newSpace() }));`);
  const { initial, held, released } = JSON.parse(out) as Record<string, number>;
  // space_size counts the second semi-space once the first scavenge has committed it.
  assert.ok(held <= 2 * initial, `no growth while held (initial ${initial} KB, held ${held} KB)`);
  assert.ok(released > held, `grows after release (held ${held} KB, released ${released} KB)`);
});

test('an operator\'s own young-generation flags are left alone', async () => {
  const out = await node(['--semi-space-growth-factor=4'], `
    import v8 from 'node:v8';
    import { holdYoungGeneration } from '${YOUNG}';
    ${SURVIVORS}
    const initial = newSpace();
    holdYoungGeneration();
    fill();
    console.log(JSON.stringify({ initial, after: newSpace() }));`);
  const { initial, after } = JSON.parse(out) as Record<string, number>;
  assert.ok(after > initial, `not held: ${initial} KB → ${after} KB`);
});

test('a proxy without a workload identity loads neither the CA, X.509 code, zod nor undici\'s root', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-start-up-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, 'resolved.txt');
  // Records every module URL resolved while the proxy's run-time modules load. The hook writes
  // synchronously, so every line is on disk once the import has settled.
  const hooks = `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`)}`;
  const cjs = JSON.parse(await node([], `
    import { createRequire, register } from 'node:module';
    register(${JSON.stringify(hooks)});
    await import(${JSON.stringify(pathToFileURL(repoPath('dist/src/cli/commands/proxy-run.js')).href)});
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`)) as string[];
  const loaded = [...(await readFile(log, 'utf8')).split('\n'), ...cjs];
  assert.ok(loaded.some((u) => u.includes('/proxy/runtime/single.js')), 'the hook saw the proxy load');
  assert.ok(loaded.some((u) => u.includes('/undici/lib/dispatcher/pool.js')), 'the pools have undici');
  for (const unwanted of ['/dist/src/ca/index.js', '/dist/src/ca/x509.js', '/node_modules/zod/', '/node_modules/@peculiar/', '/node_modules/undici/index.js', '/dist/src/proxy/identity/agent.js']) {
    assert.ok(!loaded.some((u) => u.includes(unwanted)), `${unwanted} is not loaded`);
  }
});
