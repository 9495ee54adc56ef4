// Type-checks a syntax tree against the attribute vocabulary and turns it into a closure tree
// that evaluates it. Everything that can be decided once — types, regexes, literal conversions
// (`ip("10.0.0.1")`) — is decided here, so evaluation per request does no parsing at all.
import { re2 } from '../../api/fields/re2.js';
import { nearest } from '../../api/schema-walk.js';
import type { AttributeBag } from '../attributes/bag.js';
import type { ReferenceTracker } from '../attributes/referenced.js';
import { Duration, isStringMap, type AttributeValue, type StringMap, type ValueType } from '../attributes/types.js';
import type { Vocabulary } from '../attributes/vocabulary.js';
import type { Expr } from './ast.js';
import { ExprError } from './errors.js';
import { globMatch, ipBytes, isDnsName, isEmail, ordinal, parseTimestamp, valuesEqual } from './values.js';


/** An attribute or map key that was not there: `|` catches it, anything else passes it up. */
export class Missing {
  constructor(readonly what: string) {}
}

/** A value that could not be computed at run time (e.g. `ip(x)` of a non-address). */
export class EvalError extends Error {
  override readonly name = 'EvalError';
}

export interface EvalContext {
  bag: AttributeBag;
  tracker?: ReferenceTracker;
}

export type Evaluator = (ctx: EvalContext) => AttributeValue | Missing;

export interface Typed {
  type: ValueType;
  run: Evaluator;
}

const STRINGY = new Set<ValueType>(['STRING', 'DNS_NAME', 'EMAIL_ADDRESS', 'URI']);
const ORDERED = new Set<ValueType>(['INT64', 'DOUBLE', 'DURATION', 'TIMESTAMP']);

export function compileTree(e: Expr, vocabulary: Vocabulary, text: string): Typed {
  const fail = (node: Expr, problem: string): never => {
    throw ExprError.at(text, node.pos, problem);
  };

  const expect = (node: Expr, got: Typed, want: ValueType | Set<ValueType>, what: string): void => {
    const ok = typeof want === 'string' ? got.type === want : want.has(got.type);
    if (!ok) fail(node, `${what} must be ${typeof want === 'string' ? want : [...want].join(' or ')}, but is ${got.type}`);
  };

  const visit = (n: Expr): Typed => {
    switch (n.kind) {
      case 'literal': {
        const value: AttributeValue = n.type === 'DURATION' ? new Duration(n.value as number) : n.value;
        return { type: n.type, run: () => value };
      }
      case 'attribute': {
        const type = vocabulary.get(n.name);
        if (type === undefined) {
          const guess = nearest(n.name, [...vocabulary.keys()]);
          fail(n, `unknown attribute "${n.name}"${guess ? `; did you mean "${guess}"?` : ' (docs/attributes.md lists the vocabulary)'}`);
        }
        const name = n.name;
        return {
          type: type as ValueType,
          run: (ctx) => {
            const v = ctx.bag.get(name);
            ctx.tracker?.attribute(name, v !== undefined);
            return v === undefined ? new Missing(`attribute "${name}"`) : v;
          },
        };
      }
      case 'index':
        return indexOf(n);
      case 'unary': {
        const operand = visit(n.operand);
        if (n.op === '!') {
          expect(n.operand, operand, 'BOOL', 'the operand of "!"');
          return { type: 'BOOL', run: (ctx) => { const v = operand.run(ctx); return v instanceof Missing ? v : !v; } };
        }
        if (!new Set(['INT64', 'DOUBLE', 'DURATION']).has(operand.type)) fail(n.operand, `the operand of "-" must be INT64, DOUBLE or DURATION, but is ${operand.type}`);
        return {
          type: operand.type,
          run: (ctx) => {
            const v = operand.run(ctx);
            return v instanceof Missing ? v : v instanceof Duration ? new Duration(-v.ms) : -(v as number);
          },
        };
      }
      case 'binary':
        return binary(n);
      case 'call':
        return call(n);
    }
  };

  const indexOf = (n: Extract<Expr, { kind: 'index' }>): Typed => {
    const key = visit(n.key);
    expect(n.key, key, 'STRING', 'a map key');
    // A lookup straight on an attribute records only the key read, so a client caches by
    // `source.labels["app"]` rather than by every label.
    if (n.target.kind === 'attribute') {
      const type = vocabulary.get(n.target.name);
      if (type === undefined) return visit(n.target);
      if (type !== 'STRING_MAP') fail(n.target, `"${n.target.name}" is ${type}, not a map: only STRING_MAP attributes can be indexed with [..]`);
      const name = n.target.name;
      return {
        type: 'STRING',
        run: (ctx) => {
          const k = key.run(ctx);
          if (k instanceof Missing) return k;
          const map = ctx.bag.get(name);
          if (map === undefined || !isStringMap(map)) {
            ctx.tracker?.attribute(name, false);
            return new Missing(`attribute "${name}"`);
          }
          const present = Object.hasOwn(map, k as string);
          ctx.tracker?.mapKey(name, k as string, present);
          return present ? (map[k as string] as string) : new Missing(`key "${k as string}" of "${name}"`);
        },
      };
    }
    const target = visit(n.target);
    expect(n.target, target, 'STRING_MAP', 'the value indexed with [..]');
    return {
      type: 'STRING',
      run: (ctx) => {
        const m = target.run(ctx);
        if (m instanceof Missing) return m;
        const k = key.run(ctx);
        if (k instanceof Missing) return k;
        const map = m as StringMap;
        return Object.hasOwn(map, k as string) ? (map[k as string] as string) : new Missing(`map key "${k as string}"`);
      },
    };
  };

  const binary = (n: Extract<Expr, { kind: 'binary' }>): Typed => {
    const l = visit(n.left);
    const r = visit(n.right);
    switch (n.op) {
      case '&&':
      case '||': {
        expect(n.left, l, 'BOOL', `the left side of "${n.op}"`);
        expect(n.right, r, 'BOOL', `the right side of "${n.op}"`);
        const and = n.op === '&&';
        return {
          type: 'BOOL',
          run: (ctx) => {
            const a = l.run(ctx);
            if (a instanceof Missing) return a;
            if (a === !and) return a; // short circuit: false && …, true || …
            return r.run(ctx);
          },
        };
      }
      case '|': {
        if (l.type !== r.type) fail(n.right, `both sides of "|" must have the same type, but the left is ${l.type} and the right is ${r.type}`);
        return { type: l.type, run: (ctx) => { const a = l.run(ctx); return a instanceof Missing ? r.run(ctx) : a; } };
      }
      case '==':
      case '!=': {
        if (l.type !== r.type) fail(n.right, `cannot compare ${l.type} with ${r.type} using "${n.op}"${hintFor(l.type, r.type)}`);
        const eq = n.op === '==';
        return {
          type: 'BOOL',
          run: (ctx) => {
            const a = l.run(ctx);
            if (a instanceof Missing) return a;
            const b = r.run(ctx);
            if (b instanceof Missing) return b;
            return valuesEqual(a, b) === eq;
          },
        };
      }
      default: {
        if (!ORDERED.has(l.type)) fail(n.left, `"${n.op}" compares INT64, DOUBLE, DURATION or TIMESTAMP values, not ${l.type}`);
        if (l.type !== r.type) fail(n.right, `cannot compare ${l.type} with ${r.type} using "${n.op}"${hintFor(l.type, r.type)}`);
        const op = n.op;
        return {
          type: 'BOOL',
          run: (ctx) => {
            const a = l.run(ctx);
            if (a instanceof Missing) return a;
            const b = r.run(ctx);
            if (b instanceof Missing) return b;
            const x = ordinal(a);
            const y = ordinal(b);
            return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
          },
        };
      }
    }
  };

  const arity = (n: Extract<Expr, { kind: 'call' }>, count: number, usage: string): void => {
    if (n.args.length !== count) fail(n, `${n.fn} takes ${count} argument(s), got ${n.args.length} (usage: ${usage})`);
  };

  /** A string-to-value conversion: checked at compile time when its argument is a literal. */
  const conversion = (n: Extract<Expr, { kind: 'call' }>, type: ValueType, convert: (s: string) => AttributeValue | undefined, what: string): Typed => {
    arity(n, 1, `${n.fn}("…")`);
    const arg = n.args[0] as Expr;
    const a = visit(arg);
    expect(arg, a, 'STRING', `the argument of ${n.fn}()`);
    if (arg.kind === 'literal') {
      const v = convert(arg.value as string);
      if (v === undefined) fail(arg, `${JSON.stringify(arg.value)} is not ${what}`);
      return { type, run: () => v as AttributeValue };
    }
    return {
      type,
      run: (ctx) => {
        const s = a.run(ctx);
        if (s instanceof Missing) return s;
        const v = convert(s as string);
        if (v === undefined) throw new EvalError(`${n.fn}(): ${JSON.stringify(s)} is not ${what}`);
        return v;
      },
    };
  };

  const call = (n: Extract<Expr, { kind: 'call' }>): Typed => {
    // Method form `x.f(args)` is the same function with x first, except `matches`, whose receiver
    // is the regex as in Istio: `"v[0-9]+".matches(destination.labels["version"])`.
    const args = n.target ? [n.target, ...n.args] : n.args;
    const plain: Extract<Expr, { kind: 'call' }> = { ...n, args, target: undefined };
    switch (n.fn) {
      case 'startsWith':
      case 'endsWith': {
        arity(plain, 2, `s.${n.fn}("prefix")`);
        const [s, p] = args.map(visit) as [Typed, Typed];
        expect(args[0] as Expr, s, STRINGY, `the value ${n.fn}() looks at`);
        expect(args[1] as Expr, p, STRINGY, `the argument of ${n.fn}()`);
        const starts = n.fn === 'startsWith';
        return strings2(s, p, (a, b) => (starts ? a.startsWith(b) : a.endsWith(b)));
      }
      case 'match': {
        arity(plain, 2, 'match(destination.service.host, "*.example.com")');
        const [s, p] = args.map(visit) as [Typed, Typed];
        expect(args[0] as Expr, s, STRINGY, 'the first argument of match()');
        expect(args[1] as Expr, p, 'STRING', 'the pattern of match()');
        return strings2(s, p, globMatch);
      }
      case 'matches': {
        arity(plain, 2, '"regex".matches(request.path)');
        const [re, s] = args.map(visit) as [Typed, Typed];
        expect(args[0] as Expr, re, 'STRING', 'the regex of matches()');
        expect(args[1] as Expr, s, STRINGY, 'the value matches() tests');
        const reNode = args[0] as Expr;
        if (reNode.kind === 'literal') {
          const compiled = compileRegex(reNode.value as string);
          if (typeof compiled === 'string') fail(reNode, `${JSON.stringify(reNode.value)} is not a valid RE2 regex: ${compiled}`);
          const rx = compiled as { test(s: string): boolean };
          return { type: 'BOOL', run: (ctx) => { const v = s.run(ctx); return v instanceof Missing ? v : rx.test(v as string); } };
        }
        return strings2(re, s, (pattern, value) => {
          const rx = compileRegex(pattern);
          if (typeof rx === 'string') throw new EvalError(`matches(): ${JSON.stringify(pattern)} is not a valid RE2 regex: ${rx}`);
          return rx.test(value);
        });
      }
      case 'size': {
        arity(plain, 1, 'request.path.size() or size(source.labels)');
        const [v] = args.map(visit) as [Typed];
        expect(args[0] as Expr, v, new Set<ValueType>([...STRINGY, 'BYTES', 'STRING_MAP']), 'the value of size()');
        return {
          type: 'INT64',
          run: (ctx) => {
            const x = v.run(ctx);
            if (x instanceof Missing) return x;
            return typeof x === 'string' ? [...x].length : x instanceof Uint8Array ? x.length : Object.keys(x).length;
          },
        };
      }
      case 'toLower': {
        arity(plain, 1, 'toLower(request.headers["x-user"])');
        const [v] = args.map(visit) as [Typed];
        expect(args[0] as Expr, v, 'STRING', 'the argument of toLower()');
        return { type: 'STRING', run: (ctx) => { const x = v.run(ctx); return x instanceof Missing ? x : (x as string).toLowerCase(); } };
      }
      case 'conditional': {
        arity(plain, 3, 'conditional(connection.mtls, "secure", "plain")');
        const [c, a, b] = args.map(visit) as [Typed, Typed, Typed];
        expect(args[0] as Expr, c, 'BOOL', 'the condition of conditional()');
        if (a.type !== b.type) fail(args[2] as Expr, `both branches of conditional() must have the same type, but are ${a.type} and ${b.type}`);
        return { type: a.type, run: (ctx) => { const x = c.run(ctx); return x instanceof Missing ? x : x ? a.run(ctx) : b.run(ctx); } };
      }
      case 'emptyStringMap':
        arity(plain, 0, 'source.labels | emptyStringMap()');
        return { type: 'STRING_MAP', run: () => EMPTY_MAP };
      case 'ip':
        if (n.target) break;
        return conversion(n, 'IP_ADDRESS', ipBytes, 'an IP address');
      case 'timestamp':
        if (n.target) break;
        return conversion(n, 'TIMESTAMP', parseTimestamp, 'an RFC 3339 timestamp such as "2015-01-02T15:04:05Z"');
      case 'email':
        if (n.target) break;
        return conversion(n, 'EMAIL_ADDRESS', (s) => (isEmail(s) ? s : undefined), 'an email address');
      case 'dnsName':
        if (n.target) break;
        return conversion(n, 'DNS_NAME', (s) => (isDnsName(s) ? s : undefined), 'a DNS name');
      case 'uri':
        if (n.target) break;
        return conversion(n, 'URI', (s) => (URL.canParse(s) ? s : undefined), 'an absolute URI');
    }
    const guess = nearest(n.fn, FUNCTIONS);
    return fail(n, `unknown function "${n.fn}"${guess ? `; did you mean "${guess}"?` : ''} (functions: ${FUNCTIONS.join(', ')})`);
  };

  return visit(e);
}

const FUNCTIONS = ['startsWith', 'endsWith', 'match', 'matches', 'size', 'toLower', 'conditional', 'emptyStringMap', 'ip', 'timestamp', 'email', 'dnsName', 'uri'];
const EMPTY_MAP: StringMap = Object.freeze({});

function strings2(a: Typed, b: Typed, f: (x: string, y: string) => boolean): Typed {
  return {
    type: 'BOOL',
    run: (ctx) => {
      const x = a.run(ctx);
      if (x instanceof Missing) return x;
      const y = b.run(ctx);
      if (y instanceof Missing) return y;
      return f(x as string, y as string);
    },
  };
}

function hintFor(left: ValueType, right: ValueType): string {
  if (left === 'IP_ADDRESS' && right === 'STRING') return ' (wrap the string in ip("…"))';
  if (left === 'TIMESTAMP' && right === 'STRING') return ' (wrap the string in timestamp("…"))';
  if (left === 'EMAIL_ADDRESS' && right === 'STRING') return ' (wrap the string in email("…"))';
  if (left === 'DNS_NAME' && right === 'STRING') return ' (wrap the string in dnsName("…"))';
  if (left === 'DURATION' && right !== 'DURATION') return ' (write a duration literal such as 10ms or 1.5s)';
  if ((left === 'INT64' && right === 'DOUBLE') || (left === 'DOUBLE' && right === 'INT64')) return ' (write 1.0 for a DOUBLE, 1 for an INT64)';
  return '';
}

const REGEX_CACHE = new Map<string, { test(s: string): boolean } | string>();

/** RE2 with Istio's semantics for `matches`: a search anywhere in the string, not a full match. */
function compileRegex(pattern: string): { test(s: string): boolean } | string {
  let rx = REGEX_CACHE.get(pattern);
  if (rx === undefined) {
    try {
      rx = new (re2())(pattern, 'u');
    } catch (e) {
      const msg = (e as Error).message;
      const at = msg.lastIndexOf('/u: ');
      rx = at >= 0 ? msg.slice(at + 4) : msg;
    }
    if (REGEX_CACHE.size > 1000) REGEX_CACHE.clear();
    REGEX_CACHE.set(pattern, rx);
  }
  return rx;
}
