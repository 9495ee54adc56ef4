// Property tests: whatever text or object reaches the loader, it answers with resources or
// typed ConfigErrors — never an exception, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, loadPaths, loadText, validateObject, type LoadResult } from '../../src/api/index.js';
import { repoPath } from '../helpers/paths.js';

const CODES = new Set(['YAML_SYNTAX', 'NOT_A_RESOURCE', 'UNKNOWN_KIND', 'INVALID_METADATA', 'UNKNOWN_FIELD', 'INVALID_TYPE', 'INVALID_VALUE', 'MISSING_FIELD']);

function assertTyped(r: LoadResult | ReturnType<typeof validateObject>): void {
  const errors = Array.isArray(r) ? r : 'errors' in r ? r.errors : [];
  for (const e of errors) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    assert.ok(CODES.has(e.code), `unexpected code ${e.code}`);
    assert.equal(typeof e.position.line, 'number');
  }
}

test('random text and random YAML-shaped text never throw', () => {
  const yamlish = fc.array(
    fc.oneof(
      fc.constantFrom('apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'kind: DestinationRule', 'metadata:', '  name: x', 'spec:', '  hosts: [a]', '---', '- a', '  - b: {', '&a [*a, *a]', '"\\u', '? x', ': y', '\t', '%YAML 1.2'),
      fc.string(),
    ),
    { maxLength: 20 },
  ).map((lines) => lines.join('\n'));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), yamlish), (text) => {
      assertTyped(loadText(text, 'fuzz.yaml'));
    }),
    { numRuns: 2000 },
  );
});

test('an alias bomb is refused rather than expanded', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
  const r = loadText(bomb, 'bomb.yaml');
  assert.equal(r.resources.length, 0);
  assert.equal(r.errors[0]?.code, 'YAML_SYNTAX');
});

/** Every value in a JSON-like tree with its path, so a mutation can target any of them. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function mutate(root: unknown, path: (string | number)[], how: number, junk: unknown): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return junk;
  let parent = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (how === 0) delete parent[last];
  else if (how === 1) parent[last] = junk;
  else if (how === 2 && typeof parent === 'object') (parent as Record<string, unknown>)[`x${typeof junk}`] = junk;
  else parent[last] = [parent[last], junk];
  return copy;
}

test('random mutations of valid resources give resources or typed errors that point into the document', async () => {
  const valid = await loadPaths([repoPath('samples/bookinfo/networking'), repoPath('test/fixtures/analyze/clean')]);
  assert.ok(valid.resources.length >= 10, 'samples load');
  const objects = valid.resources.map((r) => r.resource);
  const junk = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 3 }), junk, (pick, where, how, value) => {
      const original = objects[pick % objects.length];
      const all = paths(original);
      const mutated = mutate(original, all[where % all.length] as (string | number)[], how, value);
      assertTyped(validateObject(mutated));
      // Through text too, so positions are computed from a real syntax tree.
      const r = loadText(stringify(mutated), 'mutated.yaml');
      assertTyped(r);
      for (const e of r.errors) if (e.code !== 'YAML_SYNTAX' && e.code !== 'NOT_A_RESOURCE') assert.ok(e.position.line >= 1, e.message);
    }),
    { numRuns: 3000 },
  );
});

test('the samples really are valid: the property above mutates good input', () => {
  const text = readFileSync(repoPath('samples/bookinfo/networking/destination-rule-all.yaml'), 'utf8');
  const r = loadText(text, 'destination-rule-all.yaml');
  assert.deepEqual(r.errors.map((e) => e.message), []);
});
