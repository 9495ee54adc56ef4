import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { decodeAny } from '../../../src/control/xds/protos.js';
import {
  CDS, EDS, LDS, RDS, SIDECAR_ID, TestStream, cluster, endpoints, listener, node, pushes, route, startServer, waitFor,
  type FakeSnapshot, type Harness, type SotwResponse,
} from './harness.js';

function names(response: SotwResponse): string[] {
  return response.resources.map((r) => String(decodeAny(r).name ?? decodeAny(r).cluster_name)).sort();
}

const base = (): FakeSnapshot => ({
  version: 'v1',
  resources: {
    [LDS]: [listener('in', 15006), listener('out', 15001)],
    [CDS]: [cluster('a'), cluster('b')],
    [RDS]: [route('r1', 'a'), route('r2', 'b')],
    [EDS]: [endpoints('a', 1), endpoints('b', 2)],
  },
});

/** Subscribes a stream to a type, waits for the answer and ACKs it, as Envoy does. */
async function subscribeAndAck(s: TestStream<SotwResponse>, typeUrl: string, resourceNames: string[], first = false): Promise<SotwResponse> {
  s.send({ ...(first ? { node: node() } : {}), type_url: typeUrl, resource_names: resourceNames, response_nonce: '' });
  const r = await s.next(typeUrl);
  s.send({ type_url: typeUrl, resource_names: resourceNames, response_nonce: r.nonce, version_info: r.version_info });
  return r;
}

describe('ADS state of the world', () => {
  let h: Harness | undefined;
  const streams: TestStream<SotwResponse>[] = [];
  const open = (): TestStream<SotwResponse> => {
    const s = new TestStream<SotwResponse>(h!.port, 'sotw');
    streams.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await h?.close();
    h = undefined;
  });

  it('answers a wildcard LDS request with every listener, and tracks the ACK', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: LDS, resource_names: [], response_nonce: '' });
    const first = await s.next('LDS');
    assert.equal(first.type_url, LDS);
    assert.equal(first.version_info, 'v1');
    assert.deepEqual(names(first), ['in', 'out']);
    const status = () => h!.server.syncz()[0]?.types[LDS];
    assert.deepEqual(status(), { subscribed: '*', sent: 'v1', acked: null, lastNack: null });

    s.send({ type_url: LDS, resource_names: [], response_nonce: first.nonce, version_info: 'v1' });
    await waitFor(() => status()?.acked === 'v1', 'the ACK is recorded');
    const [client] = h.server.syncz();
    assert.equal(client?.id, SIDECAR_ID);
    assert.equal(client?.variant, 'sotw');
    assert.equal(client?.namespace, 'default');
  });

  it('records a NACK with its message, keeps the acked version and does not resend', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: CDS, resource_names: [], response_nonce: '' });
    const v1 = await s.next();
    s.send({ type_url: CDS, resource_names: [], response_nonce: v1.nonce, version_info: 'v1' });
    const status = () => h!.server.syncz()[0]?.types[CDS];
    await waitFor(() => status()?.acked === 'v1', 'v1 ACKed');

    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [CDS]: [cluster('a', 9)] } });
    const v2 = await s.next();
    assert.equal(v2.version_info, 'v2');
    assert.deepEqual(names(v2), ['a'], 'b is gone: SotW CDS omits it');
    s.send({ type_url: CDS, resource_names: [], response_nonce: v2.nonce, version_info: 'v1', error_detail: { code: 3, message: 'cluster a: bad timeout' } });
    await waitFor(() => status()?.lastNack !== null, 'the NACK is recorded');
    const nack = status()!.lastNack!;
    assert.equal(nack.version, 'v2');
    assert.equal(nack.nonce, v2.nonce);
    assert.equal(nack.message, 'cluster a: bad timeout');
    assert.ok(!Number.isNaN(Date.parse(nack.at)));
    assert.equal(status()?.acked, 'v1');
    assert.equal(status()?.sent, 'v2');
    assert.ok(h.logs.some((l) => /rejected cds version v2 .*bad timeout/.test(l)));
    const nacks = await h.registry.getSingleMetric('isthmus_xds_nacks_total')?.get();
    assert.equal(nacks?.values.find((v) => v.labels.type === 'cds')?.value, 1);

    // The same resources again (a new snapshot version, same content): nothing is resent.
    const before = await pushes(h.registry, 'cds');
    h.server.setSnapshot({ ...base(), version: 'v3', resources: { ...base().resources, [CDS]: [cluster('a', 9)] } });
    assert.equal(await pushes(h.registry, 'cds'), before);
    // A fixed resource is sent.
    h.server.setSnapshot({ ...base(), version: 'v4', resources: { ...base().resources, [CDS]: [cluster('a', 2)] } });
    const v4 = await s.next();
    assert.equal(v4.version_info, 'v4');
  });

  it('ignores a request carrying a stale nonce', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: RDS, resource_names: ['r1'], response_nonce: '' });
    const first = await s.next();
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [RDS]: [route('r1', 'b'), route('r2', 'b')] } });
    const second = await s.next();
    assert.notEqual(first.nonce, second.nonce);
    // Sent before the client saw `second`: it must neither ACK nor change the subscription.
    s.send({ type_url: RDS, resource_names: ['r1', 'r2'], response_nonce: first.nonce, version_info: 'v1' });
    // A marker on another type: its response proves the stale request was processed first.
    s.send({ type_url: CDS, resource_names: [], response_nonce: '' });
    const marker = await s.next();
    assert.equal(marker.type_url, CDS, 'no RDS response to the stale request');
    const status = h.server.syncz()[0]?.types[RDS];
    assert.deepEqual(status?.subscribed, ['r1']);
    assert.equal(status?.acked, null);
  });

  it('sends RDS and EDS by name, and follows subscription changes', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: RDS, resource_names: ['r1', 'missing'], response_nonce: '' });
    const first = await s.next();
    assert.deepEqual(names(first), ['r1']);
    s.send({ type_url: RDS, resource_names: ['r1', 'r2'], response_nonce: first.nonce, version_info: 'v1' });
    const second = await s.next();
    // RDS and EDS are incremental even in state of the world: the client holds r1 already.
    assert.deepEqual(names(second), ['r2']);
    s.send({ type_url: EDS, resource_names: ['b'], response_nonce: '' });
    assert.deepEqual(names(await s.next()), ['b']);
  });

  it('sends only the changed route and endpoints, but every cluster, when one service changes', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    await subscribeAndAck(s, CDS, [], true);
    assert.deepEqual(names(await subscribeAndAck(s, EDS, ['a', 'b'])), ['a', 'b']);
    await subscribeAndAck(s, RDS, ['r1', 'r2']);

    const changed = base();
    changed.version = 'v2';
    changed.resources[EDS] = [endpoints('a', 1), endpoints('b', 3)];
    changed.resources[RDS] = [route('r1', 'a'), route('r2', 'a')];
    h.server.setSnapshot(changed);
    h.server.pushNow();
    const got = new Map<string, string[]>();
    for (let i = 0; i < 2; i++) {
      const r = await s.next('a change');
      got.set(r.type_url, names(r));
    }
    assert.deepEqual(got.get(EDS), ['b']);
    assert.deepEqual(got.get(RDS), ['r2']);
    assert.equal(got.has(CDS), false, 'clusters did not change, so CDS is not resent');
  });

  it('a push limited to endpoint types leaves other types alone', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    await subscribeAndAck(s, CDS, [], true);
    await subscribeAndAck(s, EDS, ['a', 'b']);
    const changed = base();
    changed.version = 'v2';
    changed.resources[CDS] = [cluster('a', 2), cluster('b')];
    changed.resources[EDS] = [endpoints('a', 7), endpoints('b', 2)];
    h.server.setSnapshot(changed, undefined, new Set([EDS]));
    h.server.pushNow();
    const next = await s.next('the endpoint push');
    assert.equal(next.type_url, EDS);
    assert.deepEqual(names(next), ['a']);
    // The cluster change goes out with the next push that may touch clusters.
    h.server.setSnapshot({ ...changed, version: 'v3' });
    h.server.pushNow();
    assert.equal((await s.next('the full push')).type_url, CDS);
  });

  it('after a NACKed route response, the next one carries every route again', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    await subscribeAndAck(s, RDS, ['r1', 'r2'], true);
    const v2 = base();
    v2.version = 'v2';
    v2.resources[RDS] = [route('r1', 'b'), route('r2', 'a')];
    h.server.setSnapshot(v2);
    h.server.pushNow();
    const rejected = await s.next('v2 routes');
    assert.deepEqual(names(rejected), ['r1', 'r2']);
    s.send({ type_url: RDS, resource_names: ['r1', 'r2'], response_nonce: rejected.nonce, version_info: 'v1', error_detail: { code: 3, message: 'bad r2' } });
    await waitFor(() => h!.server.syncz()[0]?.types[RDS]?.lastNack !== null, 'the NACK is recorded');
    const v3 = base();
    v3.version = 'v3';
    v3.resources[RDS] = [route('r1', 'b'), route('r2', 'b')];
    h.server.setSnapshot(v3);
    h.server.pushNow();
    assert.deepEqual(names(await s.next('v3 routes')), ['r1', 'r2'], 'r1 is resent although it did not change since v2');
  });

  it('a request that names one resource twice still replaces the subscription', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    const held = await subscribeAndAck(s, RDS, ['r1', 'r2'], true);
    s.send({ type_url: RDS, resource_names: ['r1', 'r1'], response_nonce: held.nonce, version_info: held.version_info });
    await waitFor(() => h!.server.syncz()[0]?.types[RDS]?.subscribed.length === 1, 'the subscription shrinks to r1');
    assert.deepEqual(h.server.syncz()[0]?.types[RDS]?.subscribed, ['r1']);
  });

  it('honours explicit LDS names from a gRPC-style client, and an empty list later means nothing', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(SIDECAR_ID, { GENERATOR: 'grpc' }), type_url: LDS, resource_names: ['out'], response_nonce: '' });
    const first = await s.next();
    assert.deepEqual(names(first), ['out']);
    assert.equal(h.server.connectedProxies()[0]?.type, 'proxyless');
    s.send({ type_url: LDS, resource_names: [], response_nonce: first.nonce, version_info: 'v1' });
    const second = await s.next();
    assert.deepEqual(names(second), [], 'unsubscribed from everything, not a wildcard');
    assert.deepEqual(h.server.syncz()[0]?.types[LDS]?.subscribed, []);
  });

  it('does not resend when nothing changed, and pushes only what changed', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: LDS, resource_names: [], response_nonce: '' });
    const lds = await s.next();
    s.send({ type_url: RDS, resource_names: ['r1'], response_nonce: '' });
    const rds = await s.next();
    s.send({ type_url: LDS, resource_names: [], response_nonce: lds.nonce, version_info: 'v1' });
    s.send({ type_url: RDS, resource_names: ['r1'], response_nonce: rds.nonce, version_info: 'v1' });
    await waitFor(() => h!.server.syncz()[0]?.types[RDS]?.acked === 'v1', 'ACKs recorded');

    // Same content under a new version: nothing to send. (Equal objects, not the same ones:
    // the comparison is on encoded bytes.)
    h.server.setSnapshot({ ...base(), version: 'v2' });
    assert.equal(await pushes(h.registry, 'lds'), 1);
    assert.equal(await pushes(h.registry, 'rds'), 1);
    // Only r2 changed, which this proxy does not watch; LDS changed.
    h.server.setSnapshot({
      version: 'v3',
      resources: { ...base().resources, [LDS]: [listener('in', 15006)], [RDS]: [route('r1', 'a'), route('r2', 'a')] },
    });
    const next = await s.next();
    assert.equal(next.type_url, LDS);
    assert.deepEqual(names(next), ['in']);
    assert.equal(await pushes(h.registry, 'rds'), 1);
    assert.equal(s.buffered, 0);
  });

  it('resends endpoints after their clusters change, as Envoy needs to finish warming', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: CDS, resource_names: [], response_nonce: '' });
    const cds = await s.next();
    s.send({ type_url: EDS, resource_names: ['a', 'b'], response_nonce: '' });
    const eds = await s.next();
    s.send({ type_url: CDS, resource_names: [], response_nonce: cds.nonce, version_info: 'v1' });
    s.send({ type_url: EDS, resource_names: ['a', 'b'], response_nonce: eds.nonce, version_info: 'v1' });
    await waitFor(() => h!.server.syncz()[0]?.types[EDS]?.acked === 'v1', 'ACKs recorded');
    h.server.setSnapshot({ ...base(), version: 'v2', resources: { ...base().resources, [CDS]: [cluster('a', 5), cluster('b')] } });
    const first = await s.next();
    const second = await s.next();
    assert.deepEqual([first.type_url, second.type_url], [CDS, EDS], 'clusters before endpoints');
    assert.deepEqual(names(second), ['a', 'b']);
  });

  it('coalesces updates within the debounce window and pushes the last snapshot once', async () => {
    let now = 0;
    h = await startServer({ debounceMs: 100, clock: () => now });
    h.server.setSnapshot(base());
    h.timers.fireAll();
    const s = open();
    s.send({ node: node(), type_url: LDS, resource_names: [], response_nonce: '' });
    const first = await s.next();
    s.send({ type_url: LDS, resource_names: [], response_nonce: first.nonce, version_info: 'v1' });
    await waitFor(() => h!.server.syncz()[0]?.types[LDS]?.acked === 'v1', 'ACK recorded');

    now = 10_000;
    h.server.setSnapshot({ version: 'v2', resources: { ...base().resources, [LDS]: [listener('x', 1)] } });
    now = 10_040;
    h.server.setSnapshot({ version: 'v3', resources: { ...base().resources, [LDS]: [listener('y', 2)] } });
    now = 10_250;
    assert.equal(await pushes(h.registry, 'lds'), 1, 'nothing pushed inside the window');
    assert.equal(h.timers.pending.size, 1);
    h.timers.fireAll();
    const pushed = await s.next();
    assert.equal(pushed.version_info, 'v3');
    assert.deepEqual(names(pushed), ['y']);
    assert.equal(await pushes(h.registry, 'lds'), 2);
    // Push latency runs from the first coalesced update to the write.
    const sum = async (): Promise<number> => {
      const metric = await h!.registry.getSingleMetric('isthmus_xds_push_time_seconds')?.get();
      return (metric?.values.find((v) => (v as { metricName?: string }).metricName === 'isthmus_xds_push_time_seconds_sum')?.value ?? 0);
    };
    await waitFor(async () => (await sum()) > 0, 'the push is observed');
    assert.equal(await sum(), 0.25);
  });

  it('pushes only to the proxies an update affects', async () => {
    h = await startServer();
    h.server.setSnapshot(base());
    const a = open();
    const b = open();
    const idA = 'sidecar~10.0.0.1~a.ns-a~ns-a.svc.cluster.local';
    const idB = 'sidecar~10.0.0.2~b.ns-b~ns-b.svc.cluster.local';
    a.send({ node: node(idA), type_url: LDS, resource_names: [], response_nonce: '' });
    b.send({ node: node(idB), type_url: LDS, resource_names: [], response_nonce: '' });
    const [ra, rb] = [await a.next(), await b.next()];
    a.send({ type_url: LDS, resource_names: [], response_nonce: ra.nonce, version_info: 'v1' });
    b.send({ type_url: LDS, resource_names: [], response_nonce: rb.nonce, version_info: 'v1' });
    await waitFor(() => h!.server.syncz().every((c) => c.types[LDS]?.acked === 'v1'), 'both ACKed');
    h.calls.length = 0;

    h.server.setSnapshot({ version: 'v2', resources: { ...base().resources, [LDS]: [listener('new', 1)] } }, (p) => p.namespace === 'ns-a');
    assert.deepEqual([...new Set(h.calls.map((c) => c.proxy))], [idA], 'only the affected proxy is generated for');
    assert.equal((await a.next()).version_info, 'v2');
    const status = h.server.syncz().find((c) => c.id === idB);
    assert.equal(status?.types[LDS]?.sent, 'v1');
  });

  it('answers requests that arrive before the first snapshot once it is set', async () => {
    h = await startServer();
    const s = open();
    s.send({ node: node(), type_url: LDS, resource_names: [], response_nonce: '' });
    await waitFor(() => h!.server.syncz().length === 1, 'connected');
    h.server.setSnapshot({ version: 'v1', resources: {} }, () => false);
    const first = await s.next();
    assert.equal(first.version_info, 'v1');
    assert.deepEqual(first.resources, [], 'an empty LDS answer still completes Envoy initialisation');
  });

  it('ends a stream with INVALID_ARGUMENT when the node cannot be parsed', async () => {
    h = await startServer();
    const s = open();
    s.send({ node: { id: 'not-istio' }, type_url: LDS, resource_names: [], response_nonce: '' });
    const status = await s.ended();
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /xDS node id: "not-istio" has 1 "~"-separated fields/);
    assert.equal(h.server.connectedProxies().length, 0);
  });

  it('reports connects and disconnects, and close() ends streams with OK', async () => {
    const seen: string[] = [];
    h = await startServer({ onConnect: (p) => seen.push(`+${p.id}`), onDisconnect: (p) => seen.push(`-${p.id}`) });
    h.server.setSnapshot(base());
    const s = open();
    s.send({ node: node(), type_url: LDS, resource_names: [], response_nonce: '' });
    await s.next();
    const gauge = async () => (await h!.registry.getSingleMetric('isthmus_xds_connected_proxies')?.get())?.values[0]?.value;
    assert.equal(await gauge(), 1);
    await h.close();
    assert.equal((await s.ended()).code, grpc.status.OK);
    assert.deepEqual(seen, [`+${SIDECAR_ID}`, `-${SIDECAR_ID}`]);
    assert.equal(await gauge(), 0);
    const histogram = await h.registry.getSingleMetric('isthmus_xds_push_time_seconds')?.get();
    assert.ok(histogram, 'push time histogram registered');
    h = undefined;
  });
});
