// The expression syntax tree. Every node keeps the offset where it starts, for error columns.
import type { ValueType } from '../attributes/types.js';

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '|';
export type UnaryOp = '!' | '-';

export type Expr =
  | { kind: 'literal'; type: Extract<ValueType, 'STRING' | 'INT64' | 'DOUBLE' | 'BOOL' | 'DURATION'>; value: string | number | boolean; text: string; pos: number }
  | { kind: 'attribute'; name: string; pos: number }
  | { kind: 'index'; target: Expr; key: Expr; pos: number }
  /** `f(args)`, or with a target, the method form `target.f(args)`. */
  | { kind: 'call'; fn: string; target?: Expr; args: Expr[]; pos: number }
  | { kind: 'unary'; op: UnaryOp; operand: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number };
