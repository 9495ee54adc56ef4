import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterConfigError } from '../../../../src/proxy/http/filter.js';
import { headerMutationFilter } from '../../../../src/proxy/http/filters/header-mutation.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';
import { build, fakeStream, routeTable, runChain } from './fake-stream.js';
import { typed } from './typed.js';

const NAME = 'envoy.filters.http.header_mutation';
const P = 'envoy.extensions.filters.http.header_mutation.v3.';
const listener = (fields: Fields) => typed(`${P}HeaderMutation`, fields);
const perRoute = (mutations: Fields) => typed(`${P}HeaderMutationPerRoute`, { mutations });
const set = (key: string, value: string) => ({ append: { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } });
const add = (key: string, value: string) => ({ append: { header: { key, value } } });

test('request and response mutations run in order on both directions', async () => {
  const config = listener({
    mutations: {
      request_mutations: [add('x-req', 'a'), { remove: 'x-secret' }, add('x-client', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'), { remove: 'x-req' }, add('x-req', 'b')],
      response_mutations: [set('server', 'isthmus'), { remove: 'x-powered-by' }],
    },
  });
  const stream = fakeStream({ headers: { 'x-secret': 's', 'x-req': 'orig' } });
  const r = await runChain([build(headerMutationFilter, config, NAME)], stream, { status: 200, headers: { server: 'app', 'x-powered-by': 'php' } });
  assert.deepEqual(stream.request.headers, { 'x-client': '10.1.2.3', 'x-req': 'b' });
  assert.deepEqual(r.head?.headers, { server: 'isthmus' });
});

test('per-route mutations of every level follow the listener ones; the least specific wins by default', async () => {
  const table = routeTable({
    table: { [NAME]: perRoute({ request_mutations: [set('x-level', 'table')] }) },
    vhost: { [NAME]: perRoute({ request_mutations: [set('x-level', 'vhost'), add('x-seen', 'vhost')], response_mutations: [add('x-resp', 'vhost')] }) },
    route: { [NAME]: perRoute({ request_mutations: [set('x-level', 'route'), add('x-seen', 'route')], response_mutations: [add('x-resp', 'route')] }) },
  });
  const base = { mutations: { request_mutations: [set('x-level', 'listener'), add('x-seen', 'listener')], response_mutations: [add('x-resp', 'listener')] } };

  const stream = fakeStream({ routeTable: table });
  const r = await runChain([build(headerMutationFilter, listener(base), NAME)], stream);
  assert.equal(stream.request.headers['x-level'], 'vhost');
  assert.deepEqual(stream.request.headers['x-seen'], ['listener', 'route', 'vhost']);
  assert.deepEqual(r.head?.headers['x-resp'], ['listener', 'route', 'vhost']);

  const winning = fakeStream({ routeTable: table });
  await runChain([build(headerMutationFilter, listener({ ...base, most_specific_header_mutations_wins: true }), NAME)], winning);
  assert.equal(winning.request.headers['x-level'], 'route');
  assert.deepEqual(winning.request.headers['x-seen'], ['listener', 'vhost', 'route']);

  // With nothing on the route or virtual host, the route table's entry applies.
  const tableOnly = fakeStream({ routeTable: routeTable({ table: { [NAME]: perRoute({ request_mutations: [set('x-level', 'table')] }) } }) });
  await runChain([build(headerMutationFilter, listener(base), NAME)], tableOnly);
  assert.equal(tableOnly.request.headers['x-level'], 'table');
});

test('response mutations apply to local replies too', async () => {
  const config = listener({ mutations: { response_mutations: [add('x-served-by', 'mesh')] } });
  const deny = { status: 403 } as const;
  const stopper = { decodeHeaders: (s: ReturnType<typeof fakeStream>) => (s.sendLocalReply(deny), 'stop' as const) };
  const r = await runChain([build(headerMutationFilter, config, NAME), stopper], fakeStream());
  assert.equal(r.head?.status, 403);
  assert.equal(r.head?.headers['x-served-by'], 'mesh');
});

test('bad mutations are rejected naming the field', () => {
  const cases: [Fields, string, RegExp][] = [
    [{ mutations: { request_mutations: [{ remove: 'x', append: { header: { key: 'y', value: 'z' } } }] } }, 'mutations.request_mutations[0]', /exactly one of remove and append/],
    [{ mutations: { request_mutations: [{}] } }, 'mutations.request_mutations[0]', /exactly one/],
    [{ mutations: { response_mutations: [{ remove: ':status' }] } }, 'mutations.response_mutations[0].remove', /pseudo-headers/],
    [{ mutations: { response_mutations: [add('x', '%BOGUS%')] } }, 'mutations.response_mutations[0].append.header.value', /BOGUS/],
  ];
  for (const [config, field, reason] of cases) {
    const check = (e: unknown) => e instanceof FilterConfigError && e.field === field && reason.test(e.reason);
    assert.throws(() => build(headerMutationFilter, config, NAME), check, JSON.stringify(config));
    assert.throws(() => headerMutationFilter.validatePerRoute!(config), check, JSON.stringify(config));
  }
});
