// The route matcher on hand-written tables: Envoy's domain precedence and header semantics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchRoute, selectVirtualHost } from '../../../src/proxy/router/route-match.js';
import { headerMatches } from '../../../src/proxy/router/string-matcher.js';

const to = (cluster: string) => [{ match: { prefix: '/' }, route: { cluster } }];
const TABLE = {
  name: 't',
  virtual_hosts: [
    { name: 'any', domains: ['*'], routes: to('any') },
    { name: 'prefix', domains: ['api.*'], routes: to('prefix') },
    { name: 'short-suffix', domains: ['*.com'], routes: to('short-suffix') },
    { name: 'long-suffix', domains: ['*.example.com'], routes: to('long-suffix') },
    { name: 'exact', domains: ['www.example.com', 'www.example.com:8080'], routes: to('exact') },
  ],
};

describe('virtual host selection (Envoy order)', () => {
  const cases: [string, string][] = [
    ['www.example.com', 'exact'],
    ['WWW.Example.com:8080', 'exact'],
    ['shop.example.com', 'long-suffix'],
    ['other.com', 'short-suffix'],
    ['api.internal', 'prefix'],
    ['api.example.com', 'long-suffix'], // suffix wildcards beat prefix wildcards
    ['localhost', 'any'],
  ];
  for (const [authority, want] of cases) {
    it(`${authority} → ${want}`, () => assert.equal(selectVirtualHost(TABLE, authority)?.name, want));
  }
  it('no virtual host: no match', () => {
    assert.equal(matchRoute({ virtual_hosts: [{ domains: ['a'], routes: to('a') }] }, { authority: 'b', path: '/', method: 'GET' }), undefined);
  });
});

describe('header matcher', () => {
  const cases: [string, Record<string, unknown>, string | undefined, boolean][] = [
    ['exact hit', { string_match: { exact: 'a' } }, 'a', true],
    ['absent never matches a value', { string_match: { exact: 'a' } }, undefined, false],
    ['inverted absent without treat-missing', { string_match: { exact: 'a' }, invert_match: true }, undefined, false],
    ['inverted absent with treat-missing', { string_match: { exact: 'a' }, invert_match: true, treat_missing_header_as_empty: true }, undefined, true],
    ['present', { present_match: true }, 'x', true],
    ['inverted presence on absent', { present_match: true, invert_match: true }, undefined, true],
    ['regex is whole-value', { string_match: { safe_regex: { regex: 'v[0-9]' } } }, 'v10', false],
    ['ignore_case', { string_match: { prefix: 'GO', ignore_case: true } }, 'gold', true],
  ];
  for (const [name, m, value, want] of cases) it(name, () => assert.equal(headerMatches(m, value), want));
});
