// Turns schema validation issues into ConfigErrors a user can act on: the field path, the line,
// and what would be valid there.
import type { z } from 'zod';
import { ConfigError, formatPath, type ConfigErrorCode } from './errors.js';
import { fieldsAt, nearest } from './schema-walk.js';
import type { SourceDocument } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/** Converts the issues of validating `doc`'s value at `basePath` against `schema`. */
export function toConfigErrors(
  issues: readonly Issue[],
  doc: SourceDocument,
  schema: z.ZodTypeAny,
  value: unknown,
  basePath: ReadonlyArray<PropertyKey> = [],
): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of issues) {
    const rel = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const valid = fieldsAt(schema, rel) ?? [];
      for (const key of issue.keys) {
        const path = [...basePath, ...rel, key];
        const guess = nearest(key, valid);
        const hint = (guess ? `did you mean "${guess}"? ` : '') + (valid.length ? `valid fields here: ${valid.join(', ')}` : 'no fields are allowed here');
        out.push(new ConfigError('UNKNOWN_FIELD', formatPath(path), `unknown field "${key}"`, doc.locate(path, { key: true }), hint));
      }
      continue;
    }
    const path = [...basePath, ...rel];
    const { code, problem, hint } = describe(issue, valueAt(value, rel));
    out.push(new ConfigError(code, formatPath(path), problem, doc.locate(path), hint));
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map of fields',
  array: 'a list',
  record: 'a map',
};

function describe(issue: Issue, value: unknown): { code: ConfigErrorCode; problem: string; hint: string } {
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return { code: 'MISSING_FIELD', problem: 'required field is missing', hint: `set it to ${TYPE_WORDS[issue.expected] ?? issue.expected}` };
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return { code: 'INVALID_TYPE', problem: `expected ${expected}, got ${kindOf(value)}`, hint: '' };
    }
    case 'invalid_value':
      return {
        code: 'INVALID_VALUE',
        problem: `${kindOf(value)} is not allowed`,
        hint: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'too_small':
    case 'too_big':
      // A schema that words its own message (rather than zod's "Too small: …") knows best.
      if (!/^Too (small|big)/.test(issue.message)) return { code: 'INVALID_VALUE', problem: issue.message, hint: '' };
      return describeRange(issue, value);
    case 'invalid_format':
      return { code: 'INVALID_VALUE', problem: `${kindOf(value)} ${issue.message}`, hint: '' };
    case 'not_multiple_of':
      return { code: 'INVALID_VALUE', problem: `${kindOf(value)} is not a multiple of ${String(issue.divisor)}`, hint: '' };
    case 'custom': {
      // A refinement may say which kind of error it found (e.g. MISSING_FIELD for "MUTUAL needs
      // clientCertificate"); by default it is a bad value.
      const params = issue.params as { hint?: string; code?: ConfigErrorCode } | undefined;
      return { code: params?.code ?? 'INVALID_VALUE', problem: issue.message, hint: params?.hint ?? '' };
    }
    default:
      return { code: 'INVALID_VALUE', problem: issue.message, hint: '' };
  }
}

function describeRange(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): { code: ConfigErrorCode; problem: string; hint: string } {
  switch (issue.code) {
    case 'too_small': {
      if (issue.origin === 'array') return { code: 'INVALID_VALUE', problem: Array.isArray(value) && value.length > 0 ? 'the list has too few items' : 'the list is empty', hint: `give at least ${String(issue.minimum)} item(s)` };
      if (issue.origin === 'string') return { code: 'INVALID_VALUE', problem: 'the string is too short', hint: `give at least ${String(issue.minimum)} character(s)` };
      return { code: 'INVALID_VALUE', problem: `${kindOf(value)} is too small`, hint: `use a value ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}` };
    }
    case 'too_big': {
      if (issue.origin === 'array') return { code: 'INVALID_VALUE', problem: 'the list is too long', hint: `give at most ${String(issue.maximum)} item(s)` };
      if (issue.origin === 'string') return { code: 'INVALID_VALUE', problem: 'the string is too long', hint: `give at most ${String(issue.maximum)} character(s)` };
      return { code: 'INVALID_VALUE', problem: `${kindOf(value)} is too large`, hint: `use a value ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}` };
    }
  }
}
