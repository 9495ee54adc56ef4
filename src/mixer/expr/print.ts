// Prints a syntax tree back as expression text with as few parentheses as precedence allows:
// parse(print(e)) gives e again (the fuzz test holds us to it), so messages can quote a
// normalised expression.
import type { Expr } from './ast.js';

const PRECEDENCE: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '|': 4 };
const UNARY = 5;
const POSTFIX = 6;

export function print(e: Expr): string {
  return show(e, 0);
}

function precedenceOf(e: Expr): number {
  switch (e.kind) {
    case 'binary': return PRECEDENCE[e.op] as number;
    case 'unary': return UNARY;
    case 'literal': return e.type === 'DOUBLE' || e.type === 'INT64' || e.type === 'DURATION' ? POSTFIX : POSTFIX;
    default: return POSTFIX;
  }
}

function show(e: Expr, min: number): string {
  const text = render(e);
  return precedenceOf(e) < min ? `(${text})` : text;
}

function render(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.type === 'STRING' ? JSON.stringify(e.value) : e.text;
    case 'attribute':
      return e.name;
    case 'index':
      return `${show(e.target, POSTFIX)}[${show(e.key, 0)}]`;
    case 'call': {
      const args = e.args.map((a) => show(a, 0)).join(', ');
      return e.target ? `${show(e.target, POSTFIX)}.${e.fn}(${args})` : `${e.fn}(${args})`;
    }
    case 'unary':
      return `${e.op}${show(e.operand, UNARY)}`;
    case 'binary': {
      const p = PRECEDENCE[e.op] as number;
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${show(e.left, p)} ${e.op} ${show(e.right, p + 1)}`;
    }
  }
}
