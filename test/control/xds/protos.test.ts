import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceEncodeError } from '../../../src/control/xds/errors.js';
import { decodeAny, durationProto, encodeResource, structProto } from '../../../src/control/xds/protos.js';
import { TYPE_URL, type XdsResource } from '../../../src/control/xds/resource.js';
import { structToJson } from '../../../src/control/xds/struct.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function apiListener(): XdsResource {
  return {
    name: 'reviews.default.svc.cluster.local:9080',
    typeUrl: TYPE_URL.LISTENER,
    value: {
      name: 'reviews.default.svc.cluster.local:9080',
      api_listener: {
        api_listener: {
          '@type': HCM,
          stat_prefix: 'outbound',
          rds: { route_config_name: 'reviews', config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [
            { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT, abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } } } },
            { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
          ],
        },
      },
    },
  };
}

describe('encodeResource / decodeAny', () => {
  it('round-trips a Listener whose api_listener holds an HttpConnectionManager with typed filters', () => {
    const any = encodeResource(apiListener());
    assert.equal(any.type_url, TYPE_URL.LISTENER);
    const decoded = decodeAny(any);
    assert.equal(decoded['@type'], TYPE_URL.LISTENER);
    const hcm = (decoded.api_listener as { api_listener: Record<string, unknown> }).api_listener;
    assert.equal(hcm['@type'], HCM);
    assert.deepEqual(hcm.rds, { route_config_name: 'reviews', config_source: { ads: {}, resource_api_version: 'V3' } });
    const filters = hcm.http_filters as { name: string; typed_config: Record<string, unknown> }[];
    assert.deepEqual(filters[0]?.typed_config, {
      '@type': FAULT,
      abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } },
    });
    assert.deepEqual(filters[1]?.typed_config, { '@type': ROUTER });
  });

  it('encodes one value object once, however many times it is sent', () => {
    const r = apiListener();
    assert.equal(encodeResource(r).value, encodeResource({ ...r }).value);
  });

  it('rejects a misspelt field and suggests the right one', () => {
    const r: XdsResource = { name: 'c', typeUrl: TYPE_URL.CLUSTER, value: { name: 'c', connecttimeout: { seconds: 1 } } };
    assert.throws(() => encodeResource(r), (err: unknown) => {
      assert.ok(err instanceof ResourceEncodeError);
      assert.equal(err.code, 'INVALID_RESOURCE');
      assert.equal(err.path, 'connecttimeout');
      assert.match(err.message, /did you mean "connect_timeout"/);
      return true;
    });
  });

  it('rejects a nested Any whose type is not loaded instead of silently dropping it', () => {
    const r: XdsResource = {
      name: 'l',
      typeUrl: TYPE_URL.LISTENER,
      value: { name: 'l', api_listener: { api_listener: { '@type': 'type.googleapis.com/acme.Nope', x: 1 } } },
    };
    assert.throws(() => encodeResource(r), /api_listener\.api_listener\.@type: type acme\.Nope is not loaded/);
  });

  it('rejects an unknown enum name, a wrong scalar type and a name that differs from the resource name', () => {
    const badEnum: XdsResource = { name: 'c', typeUrl: TYPE_URL.CLUSTER, value: { name: 'c', type: 'DNS' } };
    assert.throws(() => encodeResource(badEnum), /type: "DNS" is not one of STATIC, STRICT_DNS/);
    const badScalar: XdsResource = { name: 'c', typeUrl: TYPE_URL.CLUSTER, value: { name: 'c', per_connection_buffer_limit_bytes: { value: 'x' } } };
    assert.throws(() => encodeResource(badScalar), /expected uint32/);
    const misnamed: XdsResource = { name: 'a', typeUrl: TYPE_URL.ENDPOINT, value: { cluster_name: 'b' } };
    assert.throws(() => encodeResource(misnamed), /cluster_name: holds "b" but the resource is named "a"/);
  });

  it('writes durations and structs in the form the root encodes', () => {
    assert.deepEqual(durationProto(1500), { seconds: 1, nanos: 500_000_000 });
    assert.deepEqual(durationProto(250), { seconds: 0, nanos: 250_000_000 });
    assert.deepEqual(durationProto(-1500), { seconds: -1, nanos: -500_000_000 });
    const r: XdsResource = {
      name: 'c',
      typeUrl: TYPE_URL.CLUSTER,
      value: {
        name: 'c',
        connect_timeout: durationProto(2500),
        metadata: { filter_metadata: { istio: structProto({ config: 'x', n: 2, ok: true, list: ['a'], nested: { k: null } }) } },
      },
    };
    const decoded = decodeAny(encodeResource(r));
    assert.deepEqual(decoded.connect_timeout, { seconds: '2', nanos: 500_000_000 });
    assert.deepEqual(structToJson((decoded.metadata as { filter_metadata: Record<string, unknown> }).filter_metadata.istio), {
      config: 'x',
      n: 2,
      ok: true,
      list: ['a'],
      nested: { k: null },
    });
  });
});
