// MeshConfig mixerCheckServer/mixerReportServer → the Mixer filters on a sidecar's inbound
// listeners: the HTTP filter (HttpClientConfig) in the HCM of an HTTP port, the TCP filter
// (TcpClientConfig) before tcp_proxy on every chain of a TCP port — both TypedStructs carrying
// the workload's destination.* attributes — and neither when the mesh names no Mixer. The proxy's
// own reader accepts what the manager sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshConfigSpec } from '../../../src/api/mesh/mesh-config.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { generate } from '../../../src/control/translate/generators.js';
import { structToJson } from '../../../src/control/xds/struct.js';
import { TYPE_URL } from '../../../src/control/xds/resource.js';
import { readMixerTcpConfig } from '../../../src/proxy/network-filters/mixer-tcp-config.js';
import { proxy, service, world } from '../model/world.js';
import { encodeResource } from './envoy-codec.js';

type Fields = Record<string, unknown>;

const MIXER = '127.0.0.1:9091';
const POLICY = `apiVersion: config.istio.io/v1alpha2
kind: instance
metadata: {name: requestcount, namespace: isthmus-system}
spec: {compiledTemplate: quota, params: {dimensions: {}}}
---
`;

function web(): ProxyNode {
  return proxy('sidecar', 'shop', { app: 'web' }, {
    id: 'sidecar~10.2.0.7~web-1.shop~shop.svc.cluster.local',
    registration: { service: 'web', ports: { http: 8080, tcp: 9000 }, address: '10.2.0.7' },
    metadata: { NAME: 'web-1' },
    serviceAccount: 'web',
  });
}

function inbound(mesh: MeshConfigSpec): Map<number, Fields> {
  const node = web();
  const push = world(`${POLICY}${service('other')}`, { registered: [node], mesh });
  const out = new Map<number, Fields>();
  for (const l of generate(TYPE_URL.LISTENER, node, push)) {
    if (!l.name.startsWith('inbound_')) continue;
    assert.doesNotThrow(() => encodeResource(l), l.name);
    out.set(Number(l.name.split('_').pop()), l.value);
  }
  return out;
}

const chains = (l: Fields | undefined) => (l?.filter_chains ?? []) as Fields[];
const filters = (chain: Fields) => chain.filters as Fields[];
/** A TypedStruct filter's inner type and its value as JSON. */
function typedStruct(filter: Fields): { typeUrl: string; value: Fields } {
  const tc = filter.typed_config as Fields;
  assert.equal(tc['@type'], 'type.googleapis.com/xds.type.v3.TypedStruct');
  return { typeUrl: String(tc.type_url), value: structToJson(tc.value) };
}

describe('Mixer filters on a sidecar\'s inbound listeners', () => {
  it('a TCP port gets the Mixer TCP filter before tcp_proxy on every chain, with the workload\'s attributes and no quota', () => {
    const tcp = inbound({ mixerCheckServer: MIXER, mixerReportServer: MIXER }).get(9000);
    assert.ok(chains(tcp).length >= 1);
    for (const chain of chains(tcp)) {
      assert.deepEqual(filters(chain).map((f) => f.name), ['isthmus.mixer', 'envoy.filters.network.tcp_proxy']);
      const { typeUrl, value } = typedStruct(filters(chain)[0]!);
      assert.equal(typeUrl, 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig');
      assert.deepEqual(value.transport, { check_server: MIXER, report_server: MIXER, network_fail_policy: { policy: 'FAIL_CLOSE' } });
      assert.equal(value.disable_check_calls, false);
      assert.equal(value.disable_report_calls, false);
      assert.equal(value.quota_specs, undefined, 'connections ask no quota');
      assert.equal(value.report_interval, undefined, 'the proxy\'s default: Istio\'s 10 s');
      const attrs = (value.mixer_attributes as { attributes: Fields }).attributes;
      assert.equal(attrs['destination.port'], 9000);
      assert.equal(attrs['destination.service.host'], 'web.shop.svc.cluster.local');
      assert.equal(attrs['destination.uid'], 'kubernetes://web-1.shop');
      assert.equal(attrs['destination.principal'], 'cluster.local/ns/shop/sa/web');
      // The proxy's reader takes the manager's config as it is.
      const read = readMixerTcpConfig({ ...value, '@type': typeUrl });
      assert.equal(read.checkServer, MIXER);
      assert.equal(read.reportIntervalMs, 10_000);
      assert.equal(read.failOpen, false);
    }
  });

  it('the HTTP port keeps the HTTP Mixer filter (with quota) and no network filter before its HCM', () => {
    const http = inbound({ mixerCheckServer: MIXER, mixerReportServer: MIXER }).get(8080);
    for (const chain of chains(http)) {
      assert.deepEqual(filters(chain).map((f) => f.name), ['envoy.filters.network.http_connection_manager']);
      const hcm = (filters(chain)[0]!.typed_config as { http_filters: Fields[] }).http_filters;
      const mixer = hcm.find((f) => f.name === 'isthmus.mixer');
      assert.ok(mixer);
      const { typeUrl, value } = typedStruct(mixer);
      assert.equal(typeUrl, 'type.googleapis.com/isthmus.mixer.v1.HttpClientConfig');
      assert.deepEqual(value.quota_specs, [{ quota: 'requestcount', charge: 1 }]);
    }
  });

  it('report-only and fail-open meshes: checks off, the policy FAIL_OPEN', () => {
    const tcp = inbound({ mixerReportServer: MIXER, policyCheckFailOpen: true }).get(9000);
    const { value } = typedStruct(filters(chains(tcp)[0]!)[0]!);
    assert.equal(value.disable_check_calls, true);
    assert.equal((value.transport as Fields).check_server, '');
    assert.deepEqual((value.transport as Fields).network_fail_policy, { policy: 'FAIL_OPEN' });
  });

  it('no Mixer in the mesh: the TCP chain is tcp_proxy alone', () => {
    const tcp = inbound({}).get(9000);
    for (const chain of chains(tcp)) assert.deepEqual(filters(chain).map((f) => f.name), ['envoy.filters.network.tcp_proxy']);
  });
});
