// How the proxy reads a filter chain carrying the Mixer TCP filter: it runs before tcp_proxy only
// (not after it, not before an HTTP connection manager), and a bad field in its config rejects
// the listener naming that field. No Mixer is contacted: without servers the filter does nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { any } from '../../src/control/translate/proto.js';
import { EXT, FILTER } from '../../src/control/translate/type-urls.js';
import { structProto } from '../../src/control/xds/protos.js';
import type { JsonValue } from '../../src/control/xds/struct.js';
import type { ConnectionManagerDeps } from '../../src/proxy/http/connection-manager.js';
import type { HttpFilterFactory } from '../../src/proxy/http/filter.js';
import { readNetworkChain } from '../../src/proxy/listener/network-chain.js';
import { readMixerTcpConfig } from '../../src/proxy/network-filters/mixer-tcp-config.js';

const TCP_CLIENT_CONFIG = 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig';

const mixer = (value: Record<string, JsonValue> = {}) => ({
  name: 'isthmus.mixer',
  typed_config: any('type.googleapis.com/xds.type.v3.TypedStruct', { type_url: TCP_CLIENT_CONFIG, value: structProto(value) }),
});
const tcpProxy = { name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, { stat_prefix: 'x', cluster: 'c' }) };
const hcm = {
  name: FILTER.HCM,
  typed_config: any(EXT.HCM, { stat_prefix: 'h', route_config: { name: 'r' }, http_filters: [{ name: 'envoy.filters.http.router', typed_config: any(EXT.ROUTER) }] }),
};
/** Only the router, which the HCM requires; it is read, never run. */
const router: HttpFilterFactory = { typeUrl: EXT.ROUTER, create: () => ({}) };
const deps = { log: () => {} } as unknown as ConnectionManagerDeps;
const read = (filters: unknown[]) => readNetworkChain({ filters }, 'filter_chains[0]', new Map([[EXT.ROUTER, router]]), deps, 'inbound');

test('the Mixer TCP filter before tcp_proxy becomes the chain\'s network filter', () => {
  const chain = read([mixer(), tcpProxy]);
  assert.equal(chain.terminal.kind, 'tcp');
  assert.equal(chain.filters?.length, 1);
  assert.equal(read([tcpProxy]).filters, undefined, 'a chain without one has none');
});

test('out of place: after tcp_proxy, before an HCM, or with no terminal at all', () => {
  assert.throws(() => read([tcpProxy, mixer()]), /filter_chains\[0\]\.filters\[1\].*comes after the terminal filter/);
  assert.throws(() => read([mixer(), hcm]), /network filters before http_connection_manager are not supported/);
  assert.throws(() => read([mixer()]), /ends without a terminal filter/);
});

test('bad config names the field and the fix', () => {
  assert.throws(() => read([mixer({ report_interval: '0s' }), tcpProxy]), /filters\[0\]\.typed_config\.report_interval.*longer than zero/);
  assert.throws(() => read([mixer({ transport: { check_server: 'nowhere' } }), tcpProxy]), /typed_config\.transport\.check_server.*not host:port/);
  assert.throws(() => read([mixer({ transport: { network_fail_policy: { policy: 'MAYBE' } } }), tcpProxy]), /network_fail_policy\.policy.*FAIL_OPEN or FAIL_CLOSE/);
});

test('report_interval: proto3 JSON seconds or {seconds, nanos}; Istio\'s 10 s when unset', () => {
  const interval = (v: unknown) => readMixerTcpConfig({ '@type': TCP_CLIENT_CONFIG, report_interval: v }).reportIntervalMs;
  assert.equal(interval(undefined), 10_000);
  assert.equal(interval('2.5s'), 2500);
  assert.equal(interval({ seconds: 1, nanos: 500_000_000 }), 1500);
  assert.throws(() => interval('10ms'), /"10ms" is not a duration/);
});
