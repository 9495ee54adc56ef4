// Shared assertions for config tests: text that must load cleanly, and text that must fail with
// one error of a given code, at a field path, on a given line (or the line marked "# <-").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadText, type ConfigError, type ConfigErrorCode, type Resource } from '../../src/api/index.js';
import { repoPath } from './paths.js';

export const MARK = '# <-';

/** 1-based number of the first line containing the marker. */
export function markedLine(yaml: string): number {
  const i = yaml.split('\n').findIndex((l) => l.includes(MARK));
  assert.ok(i >= 0, `the test YAML has no "${MARK}" marker`);
  return i + 1;
}

/** A resource document whose `spec` lines are given without indentation (spec: is line 5). */
export function resourceYaml(apiVersion: string, kind: string, spec: readonly string[], name = 't'): string {
  return [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', `  name: ${name}`, 'spec:', ...spec.map((l) => `  ${l}`)].join('\n');
}

export function sampleText(name: string): string {
  return readFileSync(repoPath(`samples/bookinfo/networking/${name}`), 'utf8');
}

/** Loads text that must produce no errors; returns the resources. */
export function loadValid(yaml: string, file = 'ok.yaml'): Resource[] {
  const r = loadText(yaml, file);
  assert.deepEqual(r.errors.map((e) => e.message), []);
  return r.resources.map((x) => x.resource);
}

export function specsOf<T>(yaml: string, file = 'ok.yaml'): T[] {
  return loadValid(yaml, file).map((r) => r.spec as T);
}

export interface ExpectedError {
  code: ConfigErrorCode | string;
  path: string;
  /** Defaults to the line marked "# <-". */
  line?: number;
  problem?: RegExp;
}

/** The document must be rejected with exactly one error, as described. */
export function expectOnlyError(yaml: string, want: ExpectedError): ConfigError {
  const r = loadText(yaml, 'bad.yaml');
  const all = r.errors.map((e) => e.message).join('\n');
  assert.equal(r.resources.length, 0, 'the document is rejected');
  assert.equal(r.errors.length, 1, `expected one error, got:\n${all}`);
  const e = r.errors[0] as ConfigError;
  assert.equal(e.code, want.code, all);
  assert.equal(e.path, want.path, all);
  assert.equal(e.position.line, want.line ?? markedLine(yaml), all);
  if (want.problem) assert.match(e.problem, want.problem);
  return e;
}

export interface InvalidCase {
  name: string;
  yaml: string;
  code: ConfigErrorCode;
  path: string;
}

/** The document must be rejected with (at least) an error at `c.path`, on the marked line. */
export function assertInvalid(c: InvalidCase): void {
  const r = loadText(c.yaml, 'case.yaml');
  assert.equal(r.resources.length, 0, `${c.name}: expected the document to be rejected`);
  const e = r.errors.find((x) => x.path === c.path);
  assert.ok(e, `${c.name}: no error at ${c.path}; got ${r.errors.map((x) => x.message).join(' | ')}`);
  assert.equal(e.code, c.code, `${c.name}: ${e.message}`);
  assert.equal(e.position.line, markedLine(c.yaml), `${c.name}: ${e.message}`);
}

/** Loads YAML that must be valid and applies every resource in it to `store`, in order. */
export async function applyYaml(store: { apply(r: Resource): Promise<unknown> }, yaml: string): Promise<void> {
  for (const resource of loadValid(yaml, 'test.yaml')) await store.apply(resource);
}
