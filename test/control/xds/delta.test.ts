import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { decodeAny } from '../../../src/control/xds/protos.js';
import {
  CDS, EDS, LDS, RDS, TestStream, cluster, endpoints, listener, node, pushes, route, startServer, waitFor,
  type DeltaResponse, type FakeSnapshot, type Harness,
} from './harness.js';

const base = (): FakeSnapshot => ({
  version: 'v1',
  resources: {
    [LDS]: [listener('in', 15006), listener('out', 15001)],
    [CDS]: [cluster('a'), cluster('b')],
    [RDS]: [route('r1', 'a'), route('r2', 'b')],
    [EDS]: [endpoints('a', 1), endpoints('b', 2)],
  },
});

const sentNames = (r: DeltaResponse): string[] => r.resources.map((x) => x.name).sort();

describe('ADS incremental (delta)', () => {
  let h: Harness | undefined;
  const streams: TestStream<DeltaResponse>[] = [];
  const open = (): TestStream<DeltaResponse> => {
    const s = new TestStream<DeltaResponse>(h!.port, 'delta');
    streams.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await h?.close();
    h = undefined;
  });

  it('answers a wildcard subscription with every resource and per-resource versions, then only changes', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: CDS });
    const first = await s.next();
    assert.equal(first.system_version_info, 'v1');
    assert.deepEqual(sentNames(first), ['a', 'b']);
    assert.deepEqual(first.removed_resources, []);
    const versions = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
    assert.notEqual(versions.a, versions.b);
    assert.equal(decodeAny(first.resources[0]!.resource).name, first.resources[0]!.name);
    s.send({ type_url: CDS, response_nonce: first.nonce });
    await waitFor(() => h!.server.syncz()[0]?.types[CDS]?.acked === 'v1', 'ACK recorded');
    assert.equal(h.server.syncz()[0]?.variant, 'delta');
    assert.equal(h.server.syncz()[0]?.types[CDS]?.subscribed, '*');

    // a changes, b is removed, c is new.
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [CDS]: [cluster('a', 7), cluster('c')] } });
    const second = await s.next();
    assert.deepEqual(sentNames(second), ['a', 'c']);
    assert.deepEqual(second.removed_resources, ['b']);
    assert.notEqual(second.resources.find((r) => r.name === 'a')?.version, versions.a);

    // Same content again: nothing.
    s.send({ type_url: CDS, response_nonce: second.nonce });
    await waitFor(() => h!.server.syncz()[0]?.types[CDS]?.acked === 'v2', 'ACK recorded');
    h.server.setSnapshot({ ...base(), version: 'v3', resources: { ...base().resources, [CDS]: [cluster('a', 7), cluster('c')] } });
    assert.equal(await pushes(h.registry, 'cds'), 2);
  });

  it('follows subscribe and unsubscribe, and reports missing names as removed', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: RDS, resource_names_subscribe: ['r1', 'ghost'] });
    const first = await s.next();
    assert.deepEqual(sentNames(first), ['r1']);
    assert.deepEqual(first.removed_resources, ['ghost'], 'a subscribed name that does not exist');

    s.send({ type_url: RDS, response_nonce: first.nonce, resource_names_subscribe: ['r2'], resource_names_unsubscribe: ['ghost'] });
    const second = await s.next();
    assert.deepEqual(sentNames(second), ['r2'], 'only the new subscription, not r1 again');
    assert.deepEqual(h.server.syncz()[0]?.types[RDS]?.subscribed, ['r1', 'r2']);

    s.send({ type_url: RDS, response_nonce: second.nonce, resource_names_unsubscribe: ['r2'] });
    await waitFor(() => String(h!.server.syncz()[0]?.types[RDS]?.subscribed) === 'r1', 'unsubscribed');
    // r2 changes: the client no longer watches it. r1 is deleted: removed.
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [RDS]: [route('r2', 'a')] } });
    const third = await s.next();
    assert.deepEqual(third.resources, []);
    assert.deepEqual(third.removed_resources, ['r1']);

    // Re-subscribing to something the client had must send it again.
    s.send({ type_url: RDS, response_nonce: third.nonce, resource_names_subscribe: ['r2'] });
    assert.deepEqual(sentNames(await s.next()), ['r2']);
  });

  it('does not resend what initial_resource_versions says the client already holds', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const probe = open();
    probe.send({ node: node(), type_url: EDS, resource_names_subscribe: ['a', 'b'] });
    const held = Object.fromEntries((await probe.next()).resources.map((r) => [r.name, r.version]));

    // A reconnect that holds a current and b stale, and a resource that no longer exists.
    const s = open();
    s.send({
      node: node(),
      type_url: EDS,
      resource_names_subscribe: ['a', 'b', 'gone'],
      initial_resource_versions: { a: held.a, b: 'old', gone: 'x' },
    });
    const first = await s.next();
    assert.deepEqual(sentNames(first), ['b']);
    assert.deepEqual(first.removed_resources, ['gone']);
  });

  it('records a NACK, keeps the version ACKed before it, and does not resend the rejected resources', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: LDS });
    const first = await s.next();
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [LDS]: [listener('in', 1), listener('out', 15001)] } });
    const second = await s.next();
    assert.deepEqual(sentNames(second), ['in']);
    // Delta responses are answered one by one: a late ACK of the first still counts.
    s.send({ type_url: LDS, response_nonce: first.nonce });
    s.send({ type_url: LDS, response_nonce: second.nonce, error_detail: { code: 3, message: 'listener in: port in use' } });
    const status = () => h!.server.syncz()[0]?.types[LDS];
    await waitFor(() => status()?.lastNack !== null, 'NACK recorded');
    assert.equal(status()?.acked, 'v1');
    assert.equal(status()?.lastNack?.version, 'v2');
    assert.equal(status()?.lastNack?.message, 'listener in: port in use');
    h.server.setSnapshot({ ...base(), version: 'v3', resources: { ...base().resources, [LDS]: [listener('in', 1), listener('out', 15001)] } });
    assert.equal(await pushes(h.registry, 'lds'), 2);
  });

  it('an explicit "*" unsubscribe ends the wildcard but keeps named subscriptions', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: LDS });
    const first = await s.next();
    s.send({ type_url: LDS, response_nonce: first.nonce, resource_names_subscribe: ['out'], resource_names_unsubscribe: ['*'] });
    const second = await s.next();
    assert.deepEqual(sentNames(second), ['out']);
    await waitFor(() => String(h!.server.syncz()[0]?.types[LDS]?.subscribed) === 'out', 'subscription is explicit');
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [LDS]: [listener('out', 15001)] } });
    // "in" left the client's view with the wildcard: its deletion is not news to this client.
    assert.equal(await pushes(h.registry, 'lds'), 2);
  });
});
