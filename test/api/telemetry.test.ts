// Telemetry (v1alpha1 and v1): Istio's reference examples load unchanged; tracing, metrics and
// access-log rules reject bad input with the field path and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/index.js';
import type { TelemetrySpec } from '../../src/api/telemetry/index.js';
import { assertInvalid, loadValid, type InvalidCase } from '../helpers/config.js';

// The reference page's "remove response_code" example names REQUEST_BYTES and RESPONSE_BYTES,
// which are not members of Istio's IstioMetric enum (Istio rejects them too); the enum's
// REQUEST_SIZE and RESPONSE_SIZE are used here.
const TELEMETRY_EXAMPLES = `apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  # no selector specified, applies to all workloads
  tracing:
  - randomSamplingPercentage: 10.00
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: foo-tracing
  namespace: bar
spec:
  selector:
    matchLabels:
      service.istio.io/canonical-name: foo
  tracing:
  - disableSpanReporting: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: foo-tracing-alternate
  namespace: baz
spec:
  selector:
    matchLabels:
      service.istio.io/canonical-name: foo
  tracing:
  - providers:
    - name: "zipkin-alternate"
    randomSamplingPercentage: 10.00
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default-tags
  namespace: istio-system
spec:
  tracing:
  - randomSamplingPercentage: 10.00
    customTags:
      my_new_foo_tag:
        literal:
          value: "foo"
      cluster_id:
        environment:
          name: ISTIO_META_CLUSTER_ID
          defaultValue: unknown
      user_agent:
        header:
          name: user-agent
    useRequestIdForTraceSampling: false
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default-metrics
  namespace: istio-system
spec:
  metrics:
  - providers:
    - name: stackdriver
    overrides:
    - match:
        metric: ALL_METRICS
        mode: SERVER
      disabled: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: namespace-metrics
  namespace: foo
spec:
  # no selector specified, applies to all workloads in the namespace
  metrics:
  - providers:
    - name: prometheus
    overrides:
    # match clause left off matches all istio metrics, client and server
    - tagOverrides:
        request_method:
          value: "request.method"
        request_host:
          value: "request.host"
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: remove-response-code
  namespace: foo
spec:
  selector:
    matchLabels:
      service.istio.io/canonical-name: bar
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: REQUEST_COUNT
      tagOverrides:
        response_code:
          operation: REMOVE
    - match:
        metric: REQUEST_DURATION
      tagOverrides:
        response_code:
          operation: REMOVE
    - match:
        metric: REQUEST_SIZE
      tagOverrides:
        response_code:
          operation: REMOVE
    - match:
        metric: RESPONSE_SIZE
      tagOverrides:
        response_code:
          operation: REMOVE
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: custom-metric-interval
  namespace: foo
spec:
  metrics:
  - providers:
    - name: prometheus
    reportingInterval: 15s
    overrides:
    - match:
        customMetric: my_custom_metric
        mode: CLIENT
      disabled: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default-logs
  namespace: istio-system
spec:
  accessLogging:
  - providers:
    - name: envoyFileAccessLogger
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: namespace-no-log
  namespace: foo
spec:
  accessLogging:
  - disabled: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: log-errors-only
  namespace: foo
spec:
  accessLogging:
  - providers:
    - name: envoy
    match:
      mode: SERVER
    filter:
      expression: response.code >= 400
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: waypoint-tracing
  namespace: foo
spec:
  targetRefs:
  - kind: Gateway
    group: gateway.networking.k8s.io
    name: waypoint
  tracing:
  - match:
      mode: CLIENT_AND_SERVER
    randomSamplingPercentage: 100
`;

test('Istio reference examples for Telemetry load with no errors at v1alpha1 and v1', () => {
  const rs = loadValid(TELEMETRY_EXAMPLES);
  assert.equal(rs.length, 12);
  assert.equal(rs[0]?.apiVersion, 'telemetry.istio.io/v1alpha1');
  const tags = (rs[3]?.spec as TelemetrySpec).tracing?.[0]?.customTags;
  assert.deepEqual(tags?.cluster_id, { environment: { name: 'ISTIO_META_CLUSTER_ID', defaultValue: 'unknown' } });
});

const T = 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t, namespace: foo}\nspec:\n';
const OVERRIDE = '  metrics:\n  - overrides:\n    - ';

const INVALID: InvalidCase[] = [
  { name: 'sampling percentage above 100', code: 'INVALID_VALUE', path: 'spec.tracing[0].randomSamplingPercentage', yaml: `${T}  tracing:\n  - randomSamplingPercentage: 150 # <-\n` },
  { name: 'two tracing providers in one rule', code: 'INVALID_VALUE', path: 'spec.tracing[0].providers', yaml: `${T}  tracing:\n  - providers: [{name: zipkin}, {name: otel}] # <-\n` },
  { name: 'custom tag with two sources', code: 'INVALID_VALUE', path: 'spec.tracing[0].customTags.team.header', yaml: `${T}  tracing:\n  - customTags:\n      team:\n        literal: {value: a}\n        header: {name: x-team} # <-\n` },
  { name: 'custom tag with no source', code: 'INVALID_VALUE', path: 'spec.tracing[0].customTags.team', yaml: `${T}  tracing:\n  - customTags:\n      team: {} # <-\n` },
  { name: 'environment tag without a variable name', code: 'MISSING_FIELD', path: 'spec.tracing[0].customTags.zone.environment.name', yaml: `${T}  tracing:\n  - customTags:\n      zone:\n        environment: {defaultValue: none} # <-\n` },
  { name: 'metric outside the IstioMetric enum', code: 'INVALID_VALUE', path: 'spec.metrics[0].overrides[0].match.metric', yaml: `${T}${OVERRIDE}match:\n        metric: REQUEST_BYTES # <-\n` },
  { name: 'metric and customMetric together', code: 'INVALID_VALUE', path: 'spec.metrics[0].overrides[0].match.customMetric', yaml: `${T}${OVERRIDE}match:\n        metric: REQUEST_COUNT\n        customMetric: mine # <-\n` },
  { name: 'workload mode outside the enum', code: 'INVALID_VALUE', path: 'spec.metrics[0].overrides[0].match.mode', yaml: `${T}${OVERRIDE}match:\n        mode: INBOUND # <-\n` },
  { name: 'UPSERT tag override without a value', code: 'INVALID_VALUE', path: 'spec.metrics[0].overrides[0].tagOverrides.request_host.value', yaml: `${T}${OVERRIDE}tagOverrides:\n        request_host: {operation: UPSERT} # <-\n` },
  { name: 'REMOVE tag override with a value', code: 'INVALID_VALUE', path: 'spec.metrics[0].overrides[0].tagOverrides.response_code.value', yaml: `${T}${OVERRIDE}tagOverrides:\n        response_code:\n          operation: REMOVE\n          value: "response.code" # <-\n` },
  { name: 'zero reporting interval', code: 'INVALID_VALUE', path: 'spec.metrics[0].reportingInterval', yaml: `${T}  metrics:\n  - reportingInterval: 0s # <-\n` },
  { name: 'disabled given as a string', code: 'INVALID_TYPE', path: 'spec.accessLogging[0].disabled', yaml: `${T}  accessLogging:\n  - disabled: "true" # <-\n` },
  { name: 'empty access log filter expression', code: 'INVALID_VALUE', path: 'spec.accessLogging[0].filter.expression', yaml: `${T}  accessLogging:\n  - filter:\n      expression: "" # <-\n` },
  { name: 'selector and targetRefs together', code: 'INVALID_VALUE', path: 'spec.targetRefs', yaml: `${T}  selector: {matchLabels: {app: a}}\n  targetRefs: [{kind: Service, name: reviews}] # <-\n` },
  { name: 'misspelt accessLogging field', code: 'UNKNOWN_FIELD', path: 'spec.accessLogging[0].provider', yaml: `${T}  accessLogging:\n  - provider: [{name: envoy}] # <-\n` },
];

for (const c of INVALID) test(`rejects: ${c.name}`, () => assertInvalid(c));

test('a misspelt Telemetry field suggests the real one', () => {
  const r = loadText(`${T}  accessLogging:\n  - provider: [{name: envoy}]\n`, 't.yaml');
  assert.match(r.errors[0]?.hint ?? '', /did you mean "providers"\?/);
});

test('every invalid Telemetry case is a distinct rule', () => {
  assert.equal(new Set(INVALID.map((c) => c.name)).size, INVALID.length);
});
