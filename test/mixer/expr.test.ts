// The expression language: values, absence and fallbacks, referenced attributes, type errors with
// their column, and a fuzz test of the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Duration, MapBag, ReferenceTracker, STANDARD_VOCABULARY as V, ExprError, compile, parse, print, type AttributeValue } from '../../src/mixer/index.js';
import type { Expr } from '../../src/mixer/expr/ast.js';

const bag = new MapBag({
  'source.labels': { app: 'reviews', version: 'v2' },
  'source.principal': 'spiffe://cluster.local/ns/default/sa/reviews',
  'source.ip': new Uint8Array([10, 1, 2, 3]),
  'request.path': '/api/v1/books',
  'request.method': 'GET',
  'request.headers': { 'x-user': 'Alice', ':authority': 'books.example.com' },
  'request.size': 1024,
  'request.time': new Date('2024-05-01T10:00:00Z'),
  'response.code': 503,
  'response.duration': new Duration(250),
  'connection.mtls': true,
  'destination.service.host': 'books.default.svc.cluster.local',
} as Record<string, AttributeValue>);

const VALUES: [string, AttributeValue | 'ABSENT'][] = [
  ['true', true],
  ['false', false],
  ['!true', false],
  ['1 == 1', true],
  ['1 != 1', false],
  ['"a" == "a"', true],
  ['`raw\\n` == "raw\\\\n"', true],
  ['request.method == "GET"', true],
  ['request.method != "GET"', false],
  ['source.labels["app"] == "reviews"', true],
  ['source.labels["app"] == "ratings"', false],
  ['source.labels["team"] | "none"', 'none'],
  ['source.labels["team"]', 'ABSENT'],
  ['source.name | "unknown"', 'unknown'],
  ['source.name | source.labels["app"]', 'reviews'],
  ['source.name | source.uid | "x"', 'x'],
  ['request.path.startsWith("/api")', true],
  ['request.path.startsWith("/admin")', false],
  ['request.path.endsWith("books")', true],
  ['startsWith(request.path, "/api")', true],
  ['match(destination.service.host, "*.svc.cluster.local")', true],
  ['match(destination.service.host, "books.*")', true],
  ['match(destination.service.host, "ratings.*")', false],
  ['"^/api/v[0-9]+/".matches(request.path)', true],
  ['"admin".matches(request.path)', false],
  ['"(?i)BOOKS".matches(request.path)', true],
  ['source.ip == ip("10.1.2.3")', true],
  ['source.ip == ip("10.1.2.4")', false],
  ['request.size > 1000', true],
  ['request.size <= 1000', false],
  ['request.size >= 1024 && request.size < 1025', true],
  ['response.code >= 500 || response.code == 429', true],
  ['response.duration > 100ms', true],
  ['response.duration < 1s', true],
  ['response.duration == 250ms', true],
  ['-5 < 0', true],
  ['1.5 > 1.25', true],
  ['request.time > timestamp("2024-01-01T00:00:00Z")', true],
  ['request.time < timestamp("2024-01-01T00:00:00Z")', false],
  ['request.path.size()', 13],
  ['source.labels.size()', 2],
  ['size(request.headers)', 2],
  ['(source.workload.name | "").size() == 0', true],
  ['(request.auth.claims | emptyStringMap()).size()', 0],
  ['conditional(connection.mtls, "secure", "plain")', 'secure'],
  ['conditional(response.code == 200, 1, 2)', 2],
  ['toLower(request.headers["x-user"]) == "alice"', true],
  ['email("a@example.com") == email("a@example.com")', true],
  ['dnsName("example.com") == dnsName("example.com")', true],
  ['false && source.name == "x"', false],
  ['true || source.name == "x"', true],
  ['source.name == "x" || true', 'ABSENT'],
  ['(source.name | "a") == "a" && !(request.method == "POST")', true],
  ['request.headers[":authority"] == "books.example.com"', true],
  ['request.headers["x-" | "y"]', 'ABSENT'],
];

for (const [text, want] of VALUES) {
  test(`value: ${text}`, () => {
    const r = compile(text, V).evaluate(bag);
    if (want === 'ABSENT') assert.ok(!r.ok && r.absent, JSON.stringify(r));
    else {
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value, want);
    }
  });
}

const ERRORS: [string, string][] = [
  ['sorce.labels["app"] == "x"', '1:1: unknown attribute "sorce.labels"; did you mean "source.labels"?'],
  ['request.method == "GET" && sorce.labels["app"] == "x"', '1:28: unknown attribute "sorce.labels"'],
  ['request.size == "1"', '1:17: cannot compare INT64 with STRING'],
  ['request.method == 1', '1:19: cannot compare STRING with INT64'],
  ['response.code == 200.0', '1:18: cannot compare INT64 with DOUBLE using "==" (write 1.0 for a DOUBLE, 1 for an INT64)'],
  ['source.ip == "10.0.0.1"', '1:14: cannot compare IP_ADDRESS with STRING using "==" (wrap the string in ip("…"))'],
  ['request.method && true', '1:1: the left side of "&&" must be BOOL, but is STRING'],
  ['true || 1', '1:9: the right side of "||" must be BOOL'],
  ['!request.path', '1:2: the operand of "!" must be BOOL'],
  ['request.path["a"]', '1:1: "request.path" is STRING, not a map'],
  ['source.labels[1]', '1:15: a map key must be STRING, but is INT64'],
  ['source.labels | ""', '1:17: both sides of "|" must have the same type'],
  ['request.path.startWith("/")', '1:14: unknown function "startWith"; did you mean "startsWith"?'],
  ['ip("10.0.0.999") == source.ip', '1:4: "10.0.0.999" is not an IP address'],
  ['timestamp("yesterday") < request.time', '1:11: "yesterday" is not an RFC 3339 timestamp'],
  ['"(?=x)".matches(request.path)', '1:1: "(?=x)" is not a valid RE2 regex'],
  ['request.method == ', '1:19: the expression ends too early'],
  ['request.method == "GET', '1:19: unterminated string literal'],
  ['request.method = "GET"', '1:16: unexpected character "="'],
  ['(request.size > 1', '1:18: expected ")" to close the parenthesis'],
  ['request.size > 1)', '1:17: unexpected ")" after the end of the expression'],
  ['conditional(true, 1)', '1:1: conditional takes 3 argument(s), got 2'],
  ['conditional(true, 1, "a")', '1:22: both branches of conditional() must have the same type'],
  ['"a" < "b"', '1:1: "<" compares INT64, DOUBLE, DURATION or TIMESTAMP values, not STRING'],
  ['response.duration > 100', '1:21: cannot compare DURATION with INT64 using ">" (write a duration literal such as 10ms or 1.5s)'],
  ['10square > 1', '1:1: malformed number'],
  ['request.method == "a\\q"', '1:21: unknown escape "\\q"'],
  ['', '1:1: the expression is empty'],
  ['request.method ==\n  sorce.name', '2:3: unknown attribute "sorce.name"'],
  ['-request.method', '1:2: the operand of "-" must be INT64, DOUBLE or DURATION'],
];

for (const [text, want] of ERRORS) {
  test(`error: ${JSON.stringify(text)}`, () => {
    assert.throws(() => compile(text, V), (e: unknown) => {
      assert.ok(e instanceof ExprError, String(e));
      assert.ok(e.message.startsWith(want), `got: ${e.message}\nwant prefix: ${want}`);
      return true;
    });
  });
}

test('a rule needing BOOL rejects a STRING expression', () => {
  assert.throws(() => compile('request.method', V, 'BOOL'), /1:1: the expression is STRING, but BOOL is needed here/);
});

test('referenced attributes: map keys, absence, and short circuits', () => {
  const t = new ReferenceTracker();
  compile('source.labels["app"] == "reviews" && (source.name | "x") == "x" && request.headers["x-none"] == "1"', V).evaluate(bag, t);
  assert.deepEqual(t.list(), [
    { name: 'request.headers', mapKey: 'x-none', condition: 'ABSENCE' },
    { name: 'source.labels', mapKey: 'app', condition: 'EXACT' },
    { name: 'source.name', condition: 'ABSENCE' },
  ]);
  const t2 = new ReferenceTracker();
  compile('false && request.path == "/"', V).evaluate(bag, t2);
  assert.deepEqual(t2.list(), []);
});

function strip(e: Expr): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v)));
}

test('fuzz: the parser throws only ExprError, and print(parse(x)) parses back to the same tree', () => {
  const pieces = ['source.labels', '["app"]', 'request.path', '.startsWith("/a")', '.size()', ' == ', ' != ', ' && ', ' || ', ' | ', ' < ', '!', '-', '(', ')', '"s"', '`r`', '1', '2.5', '10ms', 'true', 'ip("1.2.3.4")', 'match(a, "*")', ',', '.', '[', ']', ' ', '"\\n"', 'x.y.z', '"re".matches(q)', 'conditional(', '1e3'];
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.constantFrom(...pieces), { maxLength: 16 }).map((a) => a.join('')));
  fc.assert(fc.property(text, (src) => {
    let ast: Expr;
    try {
      ast = parse(src);
    } catch (e) {
      if (e instanceof ExprError) return;
      throw e;
    }
    const printed = print(ast);
    const again = parse(printed);
    assert.deepEqual(strip(again), strip(ast), `source ${JSON.stringify(src)} printed ${JSON.stringify(printed)}`);
    assert.equal(print(again), printed);
  }), { numRuns: 3000 });
});
