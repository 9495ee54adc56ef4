// Compiles an instance's params against its template: every expression parsed and type-checked
// once; problems are returned with their path under `params`, never thrown, so a config loader
// can report them all at once.
import type { AttributeBag } from '../attributes/bag.js';
import type { ReferenceTracker } from '../attributes/referenced.js';
import type { AttributeValue } from '../attributes/types.js';
import type { Vocabulary } from '../attributes/vocabulary.js';
import { ExprError, compile, type Expression } from '../expr/index.js';
import { nearest } from '../../api/schema-walk.js';
import type { FieldSpec, Template } from './templates.js';

export interface ParamProblem {
  /** Path under the instance's `params`, e.g. ['dimensions', 'source']. */
  path: (string | number)[];
  message: string;
  hint?: string;
}

/** Instance fields as adapters see them: values, maps of values, nested objects; absent fields omitted. */
export type InstanceFields = { [field: string]: AttributeValue | InstanceFields };

export type BuildResult = { ok: true; fields: InstanceFields } | { ok: false; error: string };

export interface CompiledParams {
  build(bag: AttributeBag, tracker?: ReferenceTracker): BuildResult;
}

type Node =
  | { kind: 'expr'; expr: Expression; required: boolean }
  | { kind: 'map'; entries: [string, Expression][] }
  | { kind: 'object'; fields: [string, Node][] };

export function compileParams(template: Template, params: unknown, vocabulary: Vocabulary): { compiled?: CompiledParams; problems: ParamProblem[] } {
  const problems: ParamProblem[] = [];
  const root = compileObject(template.fields, params ?? {}, [], vocabulary, problems);
  if (problems.length > 0 || !root) return { problems };
  return {
    problems,
    compiled: {
      build(bag, tracker) {
        try {
          return { ok: true, fields: buildObject(root, bag, tracker, '') };
        } catch (e) {
          if (e instanceof BuildFailure) return { ok: false, error: e.message };
          throw e;
        }
      },
    },
  };
}

class BuildFailure extends Error {}

function compileObject(fields: Readonly<Record<string, FieldSpec>>, value: unknown, path: (string | number)[], vocabulary: Vocabulary, problems: ParamProblem[]): Extract<Node, { kind: 'object' }> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path, message: 'expected a map of fields', hint: `fields here: ${Object.keys(fields).join(', ') || 'none'}` });
    return undefined;
  }
  const out: [string, Node][] = [];
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in fields)) {
      const guess = nearest(key, Object.keys(fields));
      problems.push({ path: [...path, key], message: `unknown field "${key}"`, hint: `${guess ? `did you mean "${guess}"? ` : ''}${Object.keys(fields).length ? `valid fields here: ${Object.keys(fields).join(', ')}` : 'this template has no fields'}` });
    }
  }
  for (const [name, spec] of Object.entries(fields)) {
    const v = given[name];
    const at = [...path, name];
    if (v === undefined || v === null) {
      if (spec.kind === 'expr' && spec.required) problems.push({ path: at, message: 'required field is missing', hint: `set it to an expression: ${spec.doc}` });
      continue;
    }
    if (spec.kind === 'object') {
      const o = compileObject(spec.fields, v, at, vocabulary, problems);
      if (o) out.push([name, o]);
    } else if (spec.kind === 'map') {
      if (typeof v !== 'object' || Array.isArray(v)) {
        problems.push({ path: at, message: 'expected a map of name: expression', hint: 'e.g. source: source.workload.name | "unknown"' });
        continue;
      }
      const entries: [string, Expression][] = [];
      for (const [k, text] of Object.entries(v as Record<string, unknown>)) {
        const e = compileField(text, spec.types, [...at, k], vocabulary, problems);
        if (e) entries.push([k, e]);
      }
      out.push([name, { kind: 'map', entries }]);
    } else {
      const e = compileField(v, spec.types, at, vocabulary, problems);
      if (e) out.push([name, { kind: 'expr', expr: e, required: spec.required ?? false }]);
    }
  }
  return { kind: 'object', fields: out };
}

function compileField(value: unknown, types: readonly string[] | undefined, path: (string | number)[], vocabulary: Vocabulary, problems: ParamProblem[]): Expression | undefined {
  // YAML turns `value: 1` into a number; Istio's params are expression strings, so accept the text.
  const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  if (typeof text !== 'string') {
    problems.push({ path, message: 'expected an expression (a string)', hint: 'e.g. source.labels["app"] | "unknown", or "\\"literal\\"" for a fixed string' });
    return undefined;
  }
  try {
    const e = compile(text, vocabulary);
    if (types && !types.includes(e.type)) {
      problems.push({ path, message: `the expression ${JSON.stringify(text)} is ${e.type}, but this field takes ${types.join(' or ')}` });
      return undefined;
    }
    return e;
  } catch (err) {
    if (err instanceof ExprError) {
      problems.push({ path, message: `${JSON.stringify(text)}: ${err.message}` });
      return undefined;
    }
    throw err;
  }
}

function buildObject(node: Extract<Node, { kind: 'object' }>, bag: AttributeBag, tracker: ReferenceTracker | undefined, prefix: string): InstanceFields {
  const out: InstanceFields = {};
  for (const [name, child] of node.fields) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child.kind === 'object') out[name] = buildObject(child, bag, tracker, path);
    else if (child.kind === 'map') {
      const m: InstanceFields = {};
      for (const [k, e] of child.entries) m[k] = evaluate(e, bag, tracker, `${path}.${k}`);
      out[name] = m;
    } else out[name] = evaluate(child.expr, bag, tracker, path);
  }
  return out;
}

function evaluate(e: Expression, bag: AttributeBag, tracker: ReferenceTracker | undefined, path: string): AttributeValue {
  const r = e.evaluate(bag, tracker);
  if (r.ok) return r.value;
  // As in Istio, an absent attribute is an error unless the expression gives a fallback with `|`.
  throw new BuildFailure(`field ${path} (${e.text}): ${r.error}${r.absent ? ' (add a default with |, e.g. | "unknown")' : ''}`);
}
