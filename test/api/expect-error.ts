// Shared assertions for invalid-config tests: the error for a field path, with its code and the
// line the YAML marks with "# <-".
import assert from 'node:assert/strict';
import { loadText, type ConfigErrorCode } from '../../src/api/index.js';

export const MARK = '# <-';

/** 1-based line of the first line containing the marker. */
export function markedLine(yaml: string): number {
  const i = yaml.split('\n').findIndex((l) => l.includes(MARK));
  assert.ok(i >= 0, 'the test YAML has no "# <-" marker');
  return i + 1;
}

export interface InvalidCase {
  name: string;
  yaml: string;
  code: ConfigErrorCode;
  path: string;
}

/** Loads `c.yaml` and asserts an error at `c.path` with `c.code` on the marked line. */
export function assertInvalid(c: InvalidCase): void {
  const r = loadText(c.yaml, 'case.yaml');
  assert.equal(r.resources.length, 0, `${c.name}: expected the document to be rejected`);
  const e = r.errors.find((x) => x.path === c.path);
  assert.ok(e, `${c.name}: no error at ${c.path}; got ${r.errors.map((x) => x.message).join(' | ')}`);
  assert.equal(e.code, c.code, `${c.name}: ${e.message}`);
  assert.equal(e.position.line, markedLine(c.yaml), `${c.name}: ${e.message}`);
}

/** Loads text that must produce no errors; returns the resources. */
export function assertLoads(yaml: string, file = 'ok.yaml') {
  const r = loadText(yaml, file);
  assert.deepEqual(r.errors.map((e) => e.message), []);
  return r.resources;
}
