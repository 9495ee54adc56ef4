// The tracespan template: Istio's instance config compiles, every field is type-checked against
// the attribute vocabulary, errors name the field and the column inside the expression, and a
// built instance carries typed values for the trace adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import { MapBag, STANDARD_VOCABULARY } from '../../src/mixer/index.js';
import { ipBytes as ip } from '../../src/mixer/expr/values.js';
import { compileParams } from '../../src/mixer/templates/instance-params.js';
import { templateNamed } from '../../src/mixer/templates/templates.js';
import { docs, yaml } from './helpers.js';
import { ISTIO_TRACESPAN } from './tracespan-fixtures.js';

const tracespan = () => templateNamed('tracespan')!;
const load = (text: string) => loadText(text, 'trace.yaml');
const problems = (params: object) => compileParams(tracespan(), params, STANDARD_VOCABULARY).problems.map((p) => `${p.path.join('.')}: ${p.message}`);

test('tracespan is a REPORT template with Istio\'s field names', () => {
  const t = tracespan();
  assert.equal(t.variety, 'REPORT');
  assert.deepEqual(Object.keys(t.fields).sort(), [
    'apiProtocol', 'clientSpan', 'destinationIp', 'destinationName', 'endTime', 'httpStatusCode', 'parentSpanId',
    'requestSize', 'requestTotalSize', 'responseSize', 'responseTotalSize', 'rewriteClientSpanId', 'sourceIp',
    'sourceName', 'spanId', 'spanName', 'spanTags', 'startTime', 'traceId',
  ]);
});

test('Istio\'s sample instance loads unchanged, as YAML too (rewriteClientSpanId: "false" is an expression)', () => {
  assert.deepEqual(problems(ISTIO_TRACESPAN), []);
  const r = load(`apiVersion: config.istio.io/v1alpha2
kind: instance
metadata: {name: default, namespace: istio-system}
spec:
  compiledTemplate: tracespan
  params:
    traceId: request.headers["x-b3-traceid"] | ""
    spanId: request.headers["x-b3-spanid"] | ""
    parentSpanId: request.headers["x-b3-parentspanid"] | ""
    spanName: request.path | "/"
    startTime: request.time
    endTime: response.time
    clientSpan: (context.reporter.kind | "inbound") == "outbound"
    rewriteClientSpanId: "false"
    spanTags:
      http.method: request.method | ""
      http.status_code: response.code | 200
      request.size: request.size | 0
      source.ip: source.ip | ip("0.0.0.0")
`);
  assert.deepEqual(r.errors.map((e) => e.message), []);
});

test('a field of the wrong type is refused with the type it takes', () => {
  assert.deepEqual(problems({ ...ISTIO_TRACESPAN, httpStatusCode: 'request.method', clientSpan: 'context.reporter.kind | ""', startTime: 'request.size' }), [
    'startTime: the expression "request.size" is INT64, but this field takes TIMESTAMP',
    'httpStatusCode: the expression "request.method" is STRING, but this field takes INT64',
    'clientSpan: the expression "context.reporter.kind | \\"\\"" is STRING, but this field takes BOOL',
  ]);
  assert.deepEqual(problems({ ...ISTIO_TRACESPAN, sourceIp: 'source.name | ""' }), ['sourceIp: the expression "source.name | \\"\\"" is STRING, but this field takes IP_ADDRESS']);
});

test('expression errors point at the line of the field and the column inside the expression', () => {
  const r = load(`apiVersion: config.istio.io/v1alpha2
kind: instance
metadata: {name: span}
spec:
  compiledTemplate: tracespan
  params:
    traceId: request.headers["x-b3-traceid"] | ""
    spanId: request.headers["x-b3-spanid"] | ""
    startTime: request.time
    endTime: response.time
    spanName: request.path | requst.host
    spanTags:
      http.url: request.path ==
`);
  const msgs = r.errors.map((e) => e.message);
  assert.equal(msgs.length, 2, msgs.join('\n'));
  assert.match(msgs[0]!, /^trace\.yaml:11:15: spec\.params\.spanName: "request\.path \| requst\.host": 1:16: unknown attribute "requst\.host"; did you mean "request\.host"\?/);
  assert.match(msgs[1]!, /^trace\.yaml:13:17: spec\.params\.spanTags\["http\.url"\]: "request\.path ==": 1:16: the expression ends too early/);
});

test('ids and times are required; unknown fields get a suggestion', () => {
  const { traceId: _t, spanId: _s, startTime: _a, endTime: _b, ...rest } = ISTIO_TRACESPAN;
  assert.deepEqual(problems(rest), ['traceId: required field is missing', 'spanId: required field is missing', 'startTime: required field is missing', 'endTime: required field is missing']);
  const r = load(docs(yaml.instance('span', 'tracespan', { ...ISTIO_TRACESPAN, spanTag: {} })));
  assert.match(r.errors[0]!.message, /spec\.params\.spanTag: unknown field "spanTag".*did you mean "spanTags"\?/);
});

test('a built instance carries typed values; an absent attribute without a default fails the instance', () => {
  const { compiled } = compileParams(tracespan(), ISTIO_TRACESPAN, STANDARD_VOCABULARY);
  const start = new Date('2024-05-01T10:00:00.000Z');
  const end = new Date('2024-05-01T10:00:00.250Z');
  const built = compiled!.build(new MapBag({
    'request.headers': { 'x-b3-traceid': '463ac35c9f6413ad48485a3953bb6124', 'x-b3-spanid': 'a2fb4a1d1a96d312' },
    'request.path': '/reviews/1', 'request.method': 'GET', 'request.time': start, 'response.time': end,
    'response.code': 503, 'context.reporter.kind': 'inbound', 'source.ip': ip('10.1.2.3')!, 'request.size': 12,
  }));
  assert.ok(built.ok, built.ok ? '' : built.error);
  const f = built.fields;
  assert.equal(f.traceId, '463ac35c9f6413ad48485a3953bb6124');
  assert.equal(f.parentSpanId, '');
  assert.equal(f.spanName, '/reviews/1');
  assert.deepEqual(f.startTime, start);
  assert.equal(f.clientSpan, false);
  assert.equal(f.rewriteClientSpanId, false);
  assert.equal(f.httpStatusCode, 503);
  assert.deepEqual(f.sourceIp, ip('10.1.2.3'));
  assert.deepEqual(f.spanTags, { 'http.method': 'GET', 'http.url': '/reviews/1', 'source.principal': '', 'source.version': '' });

  const strict = compileParams(tracespan(), { ...ISTIO_TRACESPAN, endTime: 'response.time' }, STANDARD_VOCABULARY).compiled!;
  const r = strict.build(new MapBag({ 'request.time': start }));
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /field endTime \(response\.time\): .*add a default with \|/);
});
