// The expression language's public face: compile text once against a vocabulary, then evaluate
// it per attribute bag, optionally recording which attributes the result depended on.
import type { AttributeBag } from '../attributes/bag.js';
import type { ReferenceTracker } from '../attributes/referenced.js';
import type { AttributeValue, ValueType } from '../attributes/types.js';
import type { Vocabulary } from '../attributes/vocabulary.js';
import type { Expr } from './ast.js';
import { EvalError, Missing, compileTree } from './compile.js';
import { ExprError } from './errors.js';
import { parse } from './parse.js';

export type { Expr } from './ast.js';
export { ExprError };
export { EvalError } from './compile.js';
export { parse } from './parse.js';
export { print } from './print.js';
export { valueText, valuesEqual, ipBytes, ipText } from './values.js';

export type EvalResult = { ok: true; value: AttributeValue } | { ok: false; absent: boolean; error: string };

export interface Expression {
  readonly text: string;
  readonly ast: Expr;
  readonly type: ValueType;
  /** Never throws: an absent attribute or a run-time failure is a result with ok: false. */
  evaluate(bag: AttributeBag, tracker?: ReferenceTracker): EvalResult;
}

/** Parses and type-checks; throws ExprError (with line and column) for any problem. */
export function compile(text: string, vocabulary: Vocabulary, expected?: ValueType): Expression {
  const ast = parse(text);
  const typed = compileTree(ast, vocabulary, text);
  if (expected !== undefined && typed.type !== expected) {
    throw ExprError.at(text, ast.pos, `the expression is ${typed.type}, but ${expected} is needed here${expected === 'BOOL' ? ' (compare it, e.g. x == "value")' : ''}`);
  }
  return {
    text,
    ast,
    type: typed.type,
    evaluate(bag, tracker) {
      try {
        const v = typed.run({ bag, tracker });
        if (v instanceof Missing) return { ok: false, absent: true, error: `${v.what} is absent` };
        return { ok: true, value: v };
      } catch (e) {
        if (e instanceof EvalError) return { ok: false, absent: false, error: e.message };
        throw e;
      }
    },
  };
}
