// The proxy's RBAC filter on its own: config checks that name the field, per-route overrides,
// shadow rules, gRPC denials and the identity and metadata inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { RBAC_PER_ROUTE_TYPE, RBAC_TYPE, rbacFilter } from '../../../../src/proxy/http/filters/rbac.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { fakeStream, filterContext, routeTable } from './fake-stream.js';

const rbac = (rules: Fields, extra: Fields = {}): Fields => ({ '@type': RBAC_TYPE, rules, ...extra });
const denyPath = (path: string): Fields => ({ action: 'DENY', policies: { p: { permissions: [{ url_path: { path: { exact: path } } }], principals: [{ any: true }] } } });

function rejects(config: Fields, field: RegExp): void {
  assert.throws(() => rbacFilter.create(config, filterContext('envoy.filters.http.rbac')), (e: unknown) => e instanceof FilterConfigError && field.test(e.field));
}

test('bad configs are rejected naming the field', () => {
  rejects(rbac({ policies: { p: { permissions: [], principals: [{ any: true }] } } }), /^rules\.policies\[p\]\.permissions$/);
  rejects(rbac({ policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: {} } } }), /condition$/);
  rejects(rbac({ policies: { p: { permissions: [{ header: { name: 'x', safe_regex_match: { regex: '(?=a)' } } }], principals: [{ any: true }] } } }), /safe_regex_match\.regex$/);
  rejects(rbac({ policies: { p: { permissions: [{ any: true }], principals: [{ direct_remote_ip: { address_prefix: 'nope', prefix_len: { value: 8 } } }] } } }), /address_prefix$/);
  rejects(rbac({ policies: { p: { permissions: [{ any: true }], principals: [{ filter_state: {} }] } } }), /filter_state$/);
  rejects(rbac({ action: 'MAYBE' }), /^rules\.action$/);
  rejects({ '@type': RBAC_TYPE, matcher: {} }, /^matcher$/);
});

test('a denial is 403 RBAC: access denied, and gRPC callers get PERMISSION_DENIED through the local reply', async () => {
  const f = rbacFilter.create(rbac(denyPath('/x')), filterContext('rbac'));
  const s = fakeStream({ path: '/x', headers: { 'content-type': 'application/grpc' } });
  assert.equal(await f.decodeHeaders!(s), 'stop');
  assert.equal(s.localReply?.status, 403); // the connection manager maps 403 to grpc-status 7
  assert.equal(s.localReply?.details, 'rbac_access_denied_matched_policy[p]');
  const ok = fakeStream({ path: '/y' });
  assert.equal(await f.decodeHeaders!(ok), 'continue');
});

test('ALLOW with no policies denies with matched_policy[none]', async () => {
  const f = rbacFilter.create(rbac({ action: 'ALLOW' }), filterContext('rbac'));
  const s = fakeStream();
  assert.equal(await f.decodeHeaders!(s), 'stop');
  assert.equal(s.localReply?.details, 'rbac_access_denied_matched_policy[none]');
});

test('shadow rules are logged, not enforced', async () => {
  const ctx = filterContext('rbac');
  const f = rbacFilter.create({ '@type': RBAC_TYPE, shadow_rules: denyPath('/x'), shadow_rules_stat_prefix: 'istio_dry_run_deny_' }, ctx);
  const s = fakeStream({ path: '/x' });
  assert.equal(await f.decodeHeaders!(s), 'continue');
  assert.match(ctx.lines.join('\n'), /istio_dry_run_deny_shadow denied GET example\.com\/x \(policy p\)/);
});

test('RBACPerRoute replaces the config on a route, and an empty one turns the filter off', async () => {
  const name = 'envoy.filters.http.rbac';
  const f = rbacFilter.create(rbac(denyPath('/x')), filterContext(name));
  const off = fakeStream({ path: '/x', routeTable: routeTable({ route: { [name]: { '@type': RBAC_PER_ROUTE_TYPE } } }) });
  assert.equal(await f.decodeHeaders!(off), 'continue');
  const other = fakeStream({ path: '/y', routeTable: routeTable({ route: { [name]: { '@type': RBAC_PER_ROUTE_TYPE, rbac: rbac(denyPath('/y')) } } }) });
  assert.equal(await f.decodeHeaders!(other), 'stop');
  assert.throws(() => rbacFilter.validatePerRoute!({ '@type': RBAC_PER_ROUTE_TYPE, rbac: rbac({ action: 'NO' }) }), /rbac\.rules\.action/);
});

test('authenticated principal reads URI SANs, then DNS SANs; metadata reads filter state', async () => {
  const policy = (principal: Fields): Fields => ({ action: 'ALLOW', policies: { p: { permissions: [{ any: true }], principals: [principal] } } });
  const byName = rbacFilter.create(rbac(policy({ authenticated: { principal_name: { exact: 'db.internal' } } })), filterContext('rbac'));
  const s = fakeStream();
  s.downstream.peer = { uriSans: [], dnsSans: ['db.internal'], subject: 'CN=db' };
  assert.equal(await byName.decodeHeaders!(s), 'continue');
  const meta = rbacFilter.create(rbac(policy({ metadata: { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'groups' }], value: { list_match: { one_of: { string_match: { exact: 'admins' } } } } } })), filterContext('rbac'));
  const withClaims = fakeStream();
  withClaims.filterState.set('istio_authn', { 'request.auth.claims': { groups: ['dev', 'admins'] } });
  assert.equal(await meta.decodeHeaders!(withClaims), 'continue');
  assert.equal(await meta.decodeHeaders!(fakeStream()), 'stop');
});
