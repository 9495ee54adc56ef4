// Splits an expression into tokens. The syntax is Istio's (a subset of Go expressions): dotted
// attribute names, double-quoted or back-quoted strings, numbers, duration literals such as
// `10ms`, and the operators of the language.
import { ExprError } from './errors.js';

export type TokenKind = 'ident' | 'string' | 'int' | 'double' | 'duration' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** For strings: the decoded value; otherwise the text as written. */
  value: string;
  /** The exact source text, for printing literals back as written. */
  raw: string;
  pos: number;
}

const OPERATORS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '|', '(', ')', '[', ']', ',', '.', '-'];
const DURATION = /(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+/y;
const NUMBER = /\d+(\.\d+)?([eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = c === '"' ? quotedEnd(text, i) : text.indexOf('`', i + 1);
      if (end < 0) throw ExprError.at(text, i, 'unterminated string literal (close it with a matching quote)');
      const raw = text.slice(i, end + 1);
      tokens.push({ kind: 'string', value: c === '"' ? decodeQuoted(text, i, raw) : raw.slice(1, -1), raw, pos: i });
      i = end + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      DURATION.lastIndex = i;
      const d = DURATION.exec(text);
      NUMBER.lastIndex = i;
      const n = NUMBER.exec(text) as RegExpExecArray;
      // A duration only when its unit is not the start of a longer identifier (`10square` is an error).
      if (d && d[0].length > n[0].length && !/[A-Za-z0-9_]/.test(text[i + d[0].length] ?? '')) {
        tokens.push({ kind: 'duration', value: d[0], raw: d[0], pos: i });
        i += d[0].length;
        continue;
      }
      if (/[A-Za-z_]/.test(text[i + n[0].length] ?? '')) throw ExprError.at(text, i, `malformed number "${text.slice(i, i + n[0].length + 1)}"`);
      tokens.push({ kind: n[1] || n[2] ? 'double' : 'int', value: n[0], raw: n[0], pos: i });
      i += n[0].length;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(text);
    if (id) {
      tokens.push({ kind: 'ident', value: id[0], raw: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw ExprError.at(text, i, `unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: 'op', value: op, raw: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'eof', value: '', raw: '', pos: text.length });
  return tokens;
}

function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
    else if (text[i] === '\n') return -1;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0' };

function decodeQuoted(text: string, start: number, raw: string): string {
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = raw[++i] as string;
    if (e in ESCAPES) out += ESCAPES[e];
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw ExprError.at(text, start + i - 1, `unknown escape "\\${e}" in string (use \\n, \\t, \\\\, \\" or \\uXXXX)`);
  }
  return out;
}
