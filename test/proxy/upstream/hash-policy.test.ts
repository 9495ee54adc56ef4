// Request hashes from RouteAction.hash_policy, checked against Envoy's definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHashPolicy, cookieValue, queryParam, re2Substitution, type HashRequest } from '../../../src/proxy/upstream/hash-policy.js';
import { xxhash64, xxhash64Chain } from '../../../src/proxy/upstream/lb/xxhash64.js';

const req = (over: Partial<HashRequest> = {}): HashRequest => ({ headers: {}, path: '/', sourceIp: '10.1.1.1', ...over });
const rotl1 = (h: bigint) => ((h << 1n) | (h >> 63n)) & ((1n << 64n) - 1n);

test('header: the value\'s XXH64; several values sorted first; absent → no hash', () => {
  const p = compileHashPolicy([{ header: { header_name: 'X-User' } }]);
  assert.equal(p.compute(req({ headers: { 'x-user': 'alice' } })).hash, xxhash64('alice'));
  assert.equal(p.compute(req({ headers: { 'x-user': ['b', 'a'] } })).hash, xxhash64Chain(['a', 'b']));
  assert.equal(p.compute(req()).hash, undefined);
  const authority = compileHashPolicy([{ header: { header_name: ':authority' } }]);
  assert.equal(authority.compute(req({ headers: { host: 'svc.local' } })).hash, xxhash64('svc.local'));
});

test('header regex_rewrite rewrites with RE2 before hashing', () => {
  const p = compileHashPolicy([{ header: { header_name: 'x-path', regex_rewrite: { pattern: { regex: '^/users/([0-9]+)/.*$' }, substitution: 'user-\\1' } } }]);
  assert.equal(p.compute(req({ headers: { 'x-path': '/users/42/orders' } })).hash, xxhash64('user-42'));
  assert.equal(re2Substitution('a$b\\0\\\\c\\2'), 'a$$b$&\\c$2');
  assert.throws(() => compileHashPolicy([{ header: { header_name: 'x', regex_rewrite: { pattern: { regex: '(?=x)' }, substitution: '' } } }]));
});

test('cookie: the cookie\'s value; absent with a ttl → a generated cookie to set on the response', () => {
  const p = compileHashPolicy([{ cookie: { name: 'session', ttl: { seconds: '3600', nanos: 0 }, path: '/app' } }]);
  assert.deepEqual(p.compute(req({ headers: { cookie: 'a=1; session="abc"; b=2' } })), { hash: xxhash64('abc'), setCookies: [] });
  const fresh = p.compute(req({ connectionKey: '10.1.1.1:5555|10.2.2.2:80' }));
  const value = xxhash64('10.1.1.1:5555|10.2.2.2:80').toString(16).padStart(16, '0');
  assert.deepEqual(fresh, { hash: xxhash64(value), setCookies: [`session="${value}"; Max-Age=3600; Path=/app; HttpOnly`] });
  assert.equal(p.compute(req({ connectionKey: '10.1.1.1:5555|10.2.2.2:80', headers: { cookie: `session="${value}"` } })).hash, fresh.hash, 'the client sending it back gets the same hash');
  const session = compileHashPolicy([{ cookie: { name: 's', ttl: { seconds: '0' }, attributes: [{ name: 'SameSite', value: 'Strict' }, { name: 'Secure' }] } }]);
  assert.match(session.compute(req()).setCookies[0], /^s="[0-9a-f]{16}"; SameSite=Strict; Secure; HttpOnly$/);
  assert.deepEqual(compileHashPolicy([{ cookie: { name: 'session' } }]).compute(req()), { setCookies: [] }, 'no ttl: nothing generated');
  assert.equal(cookieValue(['x=1', 'session=; y=2', ' session=zz'], 'session'), '');
  assert.equal(cookieValue(['x=1', 'bad; session=zz'], 'session'), 'zz');
});

test('source ip, query parameter and filter state', () => {
  assert.equal(compileHashPolicy([{ connection_properties: { source_ip: true } }]).compute(req()).hash, xxhash64('10.1.1.1'));
  assert.equal(compileHashPolicy([{ connection_properties: { source_ip: false } }]).empty, true);
  const q = compileHashPolicy([{ query_parameter: { name: 'u' } }]);
  assert.equal(q.compute(req({ path: '/p?a=1&u=bob%20x&u=2#frag' })).hash, xxhash64('bob%20x'));
  assert.equal(q.compute(req({ path: '/p?u' })).hash, xxhash64(''));
  assert.equal(q.compute(req({ path: '/p?uu=1' })).hash, undefined);
  assert.equal(queryParam('/p?x=1#u=2', 'u'), undefined);
  const fs = compileHashPolicy([{ filter_state: { key: 'io.istio.peer' } }]);
  assert.equal(fs.compute(req({ filterState: { 'io.istio.peer': 'p1' } })).hash, xxhash64('p1'));
});

test('several policies combine by rotate-left-1 and XOR; terminal stops once a hash exists', () => {
  const headers = { 'x-a': 'A', 'x-b': 'B' };
  const both = compileHashPolicy([{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-b' } }]);
  assert.equal(both.compute(req({ headers })).hash, rotl1(xxhash64('A')) ^ xxhash64('B'));
  const same = compileHashPolicy([{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-a' } }]);
  assert.notEqual(same.compute(req({ headers })).hash, 0n, 'duplicates do not cancel out');
  const terminal = compileHashPolicy([{ header: { header_name: 'x-missing' }, terminal: true }, { header: { header_name: 'x-a' }, terminal: true }, { header: { header_name: 'x-b' } }]);
  assert.equal(terminal.compute(req({ headers })).hash, xxhash64('A'));
  assert.deepEqual(compileHashPolicy(undefined).compute(req({ headers })), { setCookies: [] });
});
