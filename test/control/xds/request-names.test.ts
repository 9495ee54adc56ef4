// SotW requests' resource_names are cut out undecoded and shared: equal lists decode to the same
// frozen array, whatever else the request carries, and a repeated list is not read again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { adsServiceDefinition, type DiscoveryRequest } from '../../../src/control/xds/ads-service.js';
import { messageType } from '../../../src/control/xds/protos.js';
import { splitResourceNames } from '../../../src/control/xds/request-names.js';
import { TypeWatch } from '../../../src/control/xds/watch-state.js';

const Request = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const deserialize = (adsServiceDefinition().StreamAggregatedResources as unknown as { requestDeserialize(b: Buffer): DiscoveryRequest }).requestDeserialize;

function encode(fields: Record<string, unknown>): Buffer {
  return Buffer.from(Request.encode(Request.fromObject(fields)).finish());
}

const names = Array.from({ length: 50 }, (_, i) => `outbound|80||svc-${i}.bench.svc.cluster.local`);

describe('shared resource_names', () => {
  it('decodes every field as a full decode would', () => {
    const fields = { version_info: '7', resource_names: names, type_url: EDS, response_nonce: 'a1', node: { id: 'sidecar~10.0.0.1~a.b~b.svc.cluster.local' }, error_detail: { code: 3, message: 'bad' } };
    const got = deserialize(encode(fields));
    assert.deepEqual([...got.resource_names], names);
    assert.equal(got.version_info, '7');
    assert.equal(got.type_url, EDS);
    assert.equal(got.response_nonce, 'a1');
    assert.equal(got.node?.id, 'sidecar~10.0.0.1~a.b~b.svc.cluster.local');
    assert.equal(got.error_detail?.message, 'bad');
    assert.ok(Object.isFrozen(got.resource_names));
  });

  it('equal lists from different requests are one array; a different list is another', () => {
    const a = deserialize(encode({ version_info: '1', resource_names: names, type_url: EDS, response_nonce: 'x' }));
    const b = deserialize(encode({ version_info: '2', resource_names: [...names], type_url: EDS, response_nonce: 'y' }));
    const c = deserialize(encode({ version_info: '2', resource_names: names.slice(1), type_url: EDS, response_nonce: 'y' }));
    assert.equal(a.resource_names, b.resource_names);
    assert.notEqual(a.resource_names, c.resource_names);
    assert.deepEqual(deserialize(encode({ type_url: EDS })).resource_names, []);
  });

  it('names not written as one run are still read, by a full decode', () => {
    // Legal protobuf: a repeated field's entries may be interleaved with other fields.
    const w = protobuf.Writer.create();
    w.uint32((3 << 3) | 2).string('one');
    w.uint32((4 << 3) | 2).string(EDS);
    w.uint32((3 << 3) | 2).string('two');
    const bytes = Buffer.from(w.finish());
    assert.equal(splitResourceNames(bytes), undefined);
    const got = deserialize(bytes);
    assert.deepEqual([...got.resource_names], ['one', 'two']);
    assert.equal(got.type_url, EDS);
  });

  it('bytes that do not parse are left to the full decode, which reads them as it always did', () => {
    const whole = encode({ resource_names: names, type_url: EDS });
    const truncated = whole.subarray(0, whole.length - 5);
    assert.equal(splitResourceNames(truncated), undefined);
    const full = Request.toObject(Request.decode(truncated), { longs: String, enums: String, defaults: true, arrays: true, objects: true });
    assert.deepEqual({ ...deserialize(truncated) }, full);
  });

  it('a stream takes a repeated list without re-reading it, and still sees a changed one', () => {
    const watch = new TypeWatch(EDS, false);
    const first = deserialize(encode({ resource_names: names, type_url: EDS }));
    assert.equal(watch.setSotwNames(first.resource_names), true);
    assert.equal(watch.requestedNames(), first.resource_names, 'the shared list serves as the subscription');
    const ack = deserialize(encode({ version_info: '1', resource_names: names, type_url: EDS, response_nonce: 'n' }));
    assert.equal(watch.setSotwNames(ack.resource_names), false);
    const fewer = deserialize(encode({ version_info: '1', resource_names: names.slice(0, 10), type_url: EDS, response_nonce: 'n' }));
    assert.equal(watch.setSotwNames(fewer.resource_names), true);
    assert.deepEqual([...(watch.requestedNames() ?? [])], names.slice(0, 10));
    const twice = deserialize(encode({ resource_names: ['a', 'a'], type_url: EDS }));
    assert.equal(watch.setSotwNames(twice.resource_names), true);
    assert.deepEqual([...(watch.requestedNames() ?? [])], ['a'], 'a list naming one twice is not the subscription itself');
  });
});
