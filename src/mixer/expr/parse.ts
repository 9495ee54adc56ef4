// Parses an expression once into a syntax tree (recursive descent). Precedence, lowest first, as
// in Go which Istio's expressions borrow: `||`, `&&`, comparisons, `|` (fallback), unary `!`/`-`,
// then postfix `[key]` and `.method(args)`.
import { parseDuration } from '../../api/fields/duration.js';
import type { BinaryOp, Expr } from './ast.js';
import { ExprError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const MAX_DEPTH = 64;
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function parse(text: string): Expr {
  return new Parser(text).parseAll();
}

class Parser {
  readonly #text: string;
  readonly #tokens: Token[];
  #i = 0;
  #depth = 0;

  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  parseAll(): Expr {
    if (this.#peek().kind === 'eof') throw this.#error(this.#peek(), 'the expression is empty (write e.g. request.method == "GET", or true)');
    const e = this.#or();
    const t = this.#peek();
    if (t.kind !== 'eof') throw this.#error(t, `unexpected ${describe(t)} after the end of the expression`);
    return e;
  }

  #peek(ahead = 0): Token {
    return this.#tokens[Math.min(this.#i + ahead, this.#tokens.length - 1)] as Token;
  }

  #next(): Token {
    return this.#tokens[this.#i++] as Token;
  }

  #isOp(value: string, ahead = 0): boolean {
    const t = this.#peek(ahead);
    return t.kind === 'op' && t.value === value;
  }

  #expect(value: string, what: string): Token {
    const t = this.#peek();
    if (t.kind !== 'op' || t.value !== value) throw this.#error(t, `expected "${value}" ${what}, found ${describe(t)}`);
    return this.#next();
  }

  #error(t: Token, problem: string): ExprError {
    return ExprError.at(this.#text, t.pos, problem);
  }

  #binary(next: () => Expr, ops: (op: string) => boolean): Expr {
    let left = next();
    while (this.#peek().kind === 'op' && ops(this.#peek().value)) {
      const op = this.#next().value as BinaryOp;
      const right = next();
      left = { kind: 'binary', op, left, right, pos: left.pos };
    }
    return left;
  }

  #or = (): Expr => this.#nested(() => this.#binary(this.#and, (o) => o === '||'));
  #and = (): Expr => this.#binary(this.#comparison, (o) => o === '&&');
  #comparison = (): Expr => this.#binary(this.#pipe, (o) => COMPARISONS.has(o));
  #pipe = (): Expr => this.#binary(this.#unary, (o) => o === '|');

  #nested(f: () => Expr): Expr {
    if (++this.#depth > MAX_DEPTH) throw this.#error(this.#peek(), `the expression nests deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      this.#depth--;
    }
  }

  #unary = (): Expr => {
    const t = this.#peek();
    if (t.kind === 'op' && (t.value === '!' || t.value === '-')) {
      this.#next();
      const operand = this.#nested(this.#unary);
      return { kind: 'unary', op: t.value, operand, pos: t.pos };
    }
    return this.#postfix();
  };

  #postfix(): Expr {
    let e = this.#primary();
    for (;;) {
      if (this.#isOp('[')) {
        this.#next();
        const key = this.#or();
        this.#expect(']', 'to close the map index');
        e = { kind: 'index', target: e, key, pos: e.pos };
      } else if (this.#isOp('.')) {
        this.#next();
        const name = this.#peek();
        if (name.kind !== 'ident') throw this.#error(name, `expected a method name after ".", found ${describe(name)}`);
        this.#next();
        if (!this.#isOp('(')) throw this.#error(this.#peek(), `expected "(" after method "${name.value}"`);
        e = { kind: 'call', fn: name.value, target: e, args: this.#args(), pos: name.pos };
      } else return e;
    }
  }

  #args(): Expr[] {
    this.#expect('(', 'to start the arguments');
    const args: Expr[] = [];
    if (this.#isOp(')')) {
      this.#next();
      return args;
    }
    for (;;) {
      args.push(this.#or());
      if (this.#isOp(',')) {
        this.#next();
        continue;
      }
      this.#expect(')', 'to close the arguments');
      return args;
    }
  }

  #primary(): Expr {
    const t = this.#peek();
    switch (t.kind) {
      case 'string':
        this.#next();
        return { kind: 'literal', type: 'STRING', value: t.value, text: JSON.stringify(t.value), pos: t.pos };
      case 'int':
      case 'double':
        this.#next();
        return { kind: 'literal', type: t.kind === 'int' ? 'INT64' : 'DOUBLE', value: Number(t.value), text: t.raw, pos: t.pos };
      case 'duration':
        this.#next();
        return { kind: 'literal', type: 'DURATION', value: parseDuration(t.value) as number, text: t.raw, pos: t.pos };
      case 'ident':
        return this.#identifier();
      case 'op':
        if (t.value === '(') {
          this.#next();
          const e = this.#or();
          this.#expect(')', 'to close the parenthesis');
          return e;
        }
        break;
      case 'eof':
        throw this.#error(t, 'the expression ends too early (an operand is missing)');
    }
    throw this.#error(t, `unexpected ${describe(t)} (expected a value, an attribute or a function call)`);
  }

  /** `true`, `false`, a function call `f(…)`, or a dotted attribute name (`a.b.c`, but not the `.m(` of a method). */
  #identifier(): Expr {
    const first = this.#next();
    if (this.#isOp('(')) return { kind: 'call', fn: first.value, args: this.#args(), pos: first.pos };
    if ((first.value === 'true' || first.value === 'false') && !this.#isOp('.')) {
      return { kind: 'literal', type: 'BOOL', value: first.value === 'true', text: first.value, pos: first.pos };
    }
    let name = first.value;
    while (this.#isOp('.') && this.#peek(1).kind === 'ident' && !this.#isOpAt(2, '(')) {
      this.#next();
      name += `.${this.#next().value}`;
    }
    return { kind: 'attribute', name, pos: first.pos };
  }

  #isOpAt(ahead: number, value: string): boolean {
    return this.#isOp(value, ahead);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'the end of the expression';
    case 'op': return `"${t.value}"`;
    case 'string': return `the string ${t.raw}`;
    default: return `"${t.raw}"`;
  }
}
