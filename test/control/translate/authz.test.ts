// The manager's AuthorizationPolicy translation: Istio's RBAC filter shape and order on inbound
// listeners, policy naming, path normalization fields from MeshConfig, and the push predicate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affects, changeForResource } from '../../../src/control/model/index.js';
import { authzHcmOptions, pathNormalizationFields, rbacFilters, withRbacFilters } from '../../../src/control/translate/authz.js';
import { translateContext } from '../../../src/control/translate/context.js';
import { httpConnectionManager } from '../../../src/control/translate/hcm.js';
import { proxy, resources, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

const POLICIES = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-get, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
  - from: [{source: {principals: ["cluster.local/ns/foo/sa/bar"], notNamespaces: ["evil"]}}]
    to: [{operation: {methods: ["GET"], paths: ["/api/*"]}}]
    when: [{key: "request.headers[x-user]", values: ["alice"]}, {key: destination.port, values: ["8080"]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: no-admin, namespace: foo}
spec:
  action: DENY
  rules:
  - to: [{operation: {paths: ["/admin"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: audit-all, namespace: isthmus-system}
spec:
  action: AUDIT
  rules: [{}]
`;

function filtersFor(yaml: string, labels = { app: 'httpbin' }, ns = 'foo') {
  const push = world(yaml);
  return authzHcmOptions(translateContext(proxy('sidecar', ns, labels), push));
}

test('one RBAC filter per action, in Istio order: LOG, DENY, ALLOW', () => {
  const { rbac } = filtersFor(POLICIES);
  const actions = rbac.map((f) => ((f.typed_config as { rules?: { action: string } }).rules?.action));
  assert.deepEqual(actions, ['LOG', 'DENY', 'ALLOW']);
  assert.ok(rbac.every((f) => f.name === 'envoy.filters.http.rbac'));
});

test('policies are named ns[..]-policy[..]-rule[..] and carry permissions and principals in Istio shape', () => {
  const { rbac } = filtersFor(POLICIES);
  const allow = (rbac[2]!.typed_config as { rules: { policies: Record<string, { permissions: unknown[]; principals: unknown[] }> } }).rules.policies;
  assert.deepEqual(Object.keys(allow), ['ns[foo]-policy[allow-get]-rule[0]']);
  const p = allow['ns[foo]-policy[allow-get]-rule[0]']!;
  assert.deepEqual(p.permissions, [{ and_rules: { rules: [
    { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } },
    { or_rules: { rules: [{ url_path: { path: { prefix: '/api/' } } }] } },
    { or_rules: { rules: [{ destination_port: 8080 }] } },
  ] } }]);
  assert.deepEqual(p.principals, [{ and_ids: { ids: [
    { or_ids: { ids: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/foo/sa/bar' } } }] } },
    { not_id: { or_ids: { ids: [{ authenticated: { principal_name: { safe_regex: { regex: '.*/ns/evil/.*' } } } }] } } },
    { or_ids: { ids: [{ header: { name: 'x-user', safe_regex_match: { regex: '^alice$|^alice,.*|.*,alice,.*|.*,alice$' } } }] } },
  ] } }]);
});

test('the inbound HCM validates against Envoy protos, RBAC after jwt_authn and before CORS, fault, router', () => {
  const { rbac, hcmFields } = filtersFor(POLICIES);
  const hcm = httpConnectionManager({ kind: 'sidecar', statPrefix: 'inbound_8080', routeConfig: { name: 'r' }, rbac, hcmFields });
  const names = (hcm.http_filters as { name: string }[]).map((f) => f.name);
  assert.equal(names.indexOf('envoy.filters.http.rbac'), names.findIndex((n) => n !== 'envoy.filters.http.jwt_authn'));
  assert.ok(names.lastIndexOf('envoy.filters.http.rbac') < names.indexOf('envoy.filters.http.router'));
  assert.equal(hcm.normalize_path && (hcm.normalize_path as { value: boolean }).value, true);
  const { '@type': typeUrl, ...value } = hcm;
  encodeResource({ name: 'hcm', typeUrl: typeUrl as never, value });
  const chain = withRbacFilters([{ name: 'envoy.filters.http.jwt_authn' }, { name: 'envoy.filters.http.cors' }], [{ name: 'rbac' }]);
  assert.deepEqual(chain.map((f) => f.name), ['envoy.filters.http.jwt_authn', 'rbac', 'envoy.filters.http.cors']);
});

test('no policy for the workload: no RBAC filter; ALLOW without rules: an ALLOW filter with no policies', () => {
  assert.deepEqual(filtersFor(POLICIES, { app: 'other' }, 'bar').rbac.map((f) => (f.typed_config as { rules: { action: string } }).rules.action), ['LOG']);
  const nothing = rbacFilters(world(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: nothing, namespace: foo}
spec: {}
`).authorizationPoliciesFor(proxy('sidecar', 'foo')), 'cluster.local');
  assert.deepEqual((nothing[0]!.typed_config as { rules: unknown }).rules, { action: 'ALLOW', policies: {} });
});

test('CUSTOM fails closed as a DENY filter of its own; dry-run goes to shadow_rules', () => {
  const yaml = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: foo}
spec:
  action: CUSTOM
  provider: {name: opa}
  rules: [{to: [{operation: {paths: ["/x"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: dry, namespace: foo, annotations: {istio.io/dry-run: "true"}}
spec:
  action: DENY
  rules: [{}]
`;
  const [custom, dry] = filtersFor(yaml).rbac.map((f) => f.typed_config as Record<string, unknown>);
  assert.equal(custom!.rules_stat_prefix, 'istio_custom_no_provider_');
  assert.equal((custom!.rules as { action: string }).action, 'DENY');
  assert.equal(dry!.rules, undefined);
  assert.equal((dry!.shadow_rules as { action: string }).action, 'DENY');
});

test('MeshConfig pathNormalization maps to Istio\'s HCM fields', () => {
  assert.deepEqual(pathNormalizationFields('NONE'), { normalize_path: { value: false } });
  assert.deepEqual(pathNormalizationFields(undefined), { normalize_path: { value: true } });
  assert.deepEqual(pathNormalizationFields('MERGE_SLASHES'), { normalize_path: { value: true }, merge_slashes: true });
  assert.deepEqual(pathNormalizationFields('DECODE_AND_MERGE_SLASHES'), { normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' });
});

test('an AuthorizationPolicy change pushes sidecars and gateways, not proxyless clients', () => {
  const [r] = resources(POLICIES);
  const change = changeForResource(undefined, r);
  const push = world(POLICIES);
  assert.equal(affects(change, proxy('sidecar', 'foo'), push), true);
  assert.equal(affects(change, proxy('router', 'foo'), push), true);
  assert.equal(affects(change, proxy('proxyless', 'foo'), push), false);
});

test('targetRefs: a Service applies to its registered sidecars', () => {
  const yaml = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: t, namespace: foo}
spec:
  targetRefs: [{kind: Service, group: "", name: reviews}]
  action: DENY
  rules: [{}]
`;
  const push = world(yaml);
  const registered = proxy('sidecar', 'foo', {}, { registration: { service: 'reviews', ports: {}, address: '10.0.0.1' } });
  assert.equal(push.authorizationPoliciesFor(registered).length, 1);
  assert.equal(push.authorizationPoliciesFor(proxy('sidecar', 'foo')).length, 0);
});
