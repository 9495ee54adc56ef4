// handler, instance and rule load through the same config API as every kind: errors name the
// file, line, field and a fix, including errors inside expressions and adapter params.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import { docs, yaml } from './helpers.js';

const load = (text: string) => loadText(text, 'policy.yaml');

test('good policy loads', () => {
  const r = load(docs(
    yaml.handler('h', 'listchecker', { overrides: ['a'] }),
    yaml.instance('i', 'listentry', { value: 'source.labels["app"]' }),
    yaml.rule('r', 'request.method == "GET"', [{ handler: 'h', instances: ['i.instance.default'] }]),
  ));
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.deepEqual(r.resources.map((x) => x.resource.kind), ['handler', 'instance', 'rule']);
});

test('a typo in a match expression points at the line and the column inside the expression', () => {
  const r = load('apiVersion: config.istio.io/v1alpha2\nkind: rule\nmetadata:\n  name: r\nspec:\n  match: request.method == "GET" && sorce.labels["app"] == "x"\n');
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /^policy\.yaml:6:\d+: spec\.match: .*1:28: unknown attribute "sorce\.labels"; did you mean "source\.labels"\?/);
});

test('adapter params and instance params are validated with field paths and hints', () => {
  const r = load(docs(
    yaml.handler('h', 'memquota', { quotas: [{ name: 'q', maxAmount: 'ten', validDuration: '1x' }], minDedupDuration: '1s' }),
    yaml.handler('h2', 'memqouta', {}),
    yaml.instance('i', 'metric', { value: 'request.method', dimenssions: {} }),
    yaml.instance('j', 'quota', { dimensions: { a: 'request.size ==' } }),
  ));
  const msgs = r.errors.map((e) => `${e.path}: ${e.problem} ${e.hint}`);
  assert.ok(msgs.some((m) => m.startsWith('spec.params.quotas[0].maxAmount:')), msgs.join('\n'));
  assert.ok(msgs.some((m) => m.startsWith('spec.params.quotas[0].validDuration: "1x" is not a duration')), msgs.join('\n'));
  assert.ok(msgs.some((m) => /spec\.params\.minDedupDuration: unknown field .*valid fields here: quotas, minDeduplicationDuration/.test(m)), msgs.join("\n"));
  assert.ok(msgs.some((m) => /spec\.compiledAdapter: unknown adapter "memqouta" did you mean "memquota"/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /spec\.params\.value: the expression "request\.method" is STRING, but this field takes INT64 or DOUBLE or DURATION/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /spec\.params\.dimenssions: unknown field .*did you mean "dimensions"/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /spec\.params\.dimensions\.a: "request\.size ==": 1:16: the expression ends too early/.test(m)), msgs.join('\n'));
  assert.ok(r.errors.every((e) => e.position.line > 0), 'every error has a line');
});
