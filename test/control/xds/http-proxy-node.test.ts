// Over a real ADS stream to the manager: a sidecar gets the HTTP-proxy-mode listener only when
// its node metadata (or the mesh) sets proxyHttpPort, and a node with a junk port is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Manager } from '../../../src/control/manager.js';
import { messageType, structProto } from '../../../src/control/xds/protos.js';
import type { JsonValue } from '../../../src/control/xds/struct.js';
import { openStore, type ConfigStore } from '../../../src/store/index.js';
import { applyYaml } from '../../helpers/config.js';
import { service } from '../model/world.js';
import { LDS, RDS, SIDECAR_ID, TestStream, type SotwResponse } from './harness.js';

function node(metadata: Record<string, JsonValue>): Record<string, unknown> {
  return { id: SIDECAR_ID, metadata: structProto(metadata) };
}

function names(res: SotwResponse, type: string): string[] {
  const Message = messageType(type);
  return res.resources.map((r) => (Message.decode(r.value) as unknown as { name: string }).name).sort();
}

describe('HTTP-proxy mode over ADS', () => {
  let store: ConfigStore;
  let manager: Manager;
  const streams: TestStream<SotwResponse>[] = [];

  before(async () => {
    store = await openStore({ backend: 'memory' });
    await applyYaml(store, service('reviews', 'default', 9080));
    manager = await Manager.start({ store, xdsPort: 0, debounceMs: 0, log: () => {} });
  });
  after(async () => {
    for (const s of streams) s.close();
    await manager.close();
  });

  function open(): TestStream<SotwResponse> {
    const s = new TestStream<SotwResponse>(manager.xdsPort, 'sotw');
    streams.push(s);
    return s;
  }

  async function listenerNames(metadata: Record<string, JsonValue>): Promise<string[]> {
    const s = open();
    s.send({ node: node(metadata), type_url: LDS, resource_names: [] });
    return names(await s.next('LDS'), LDS);
  }

  it('a sidecar that sets no port gets no 127.0.0.1 listener', async () => {
    assert.deepEqual(await listenerNames({ NAMESPACE: 'default' }), ['0.0.0.0_9080']);
  });

  it('PROXY_CONFIG.proxyHttpPort brings the listener and its http_proxy table', async () => {
    const s = open();
    s.send({ node: node({ NAMESPACE: 'default', PROXY_CONFIG: { proxyHttpPort: 15001 } }), type_url: LDS, resource_names: [] });
    assert.deepEqual(names(await s.next('LDS'), LDS), ['0.0.0.0_9080', '127.0.0.1_15001']);
    s.send({ type_url: RDS, resource_names: ['http_proxy', '9080'] });
    assert.deepEqual(names(await s.next('RDS'), RDS), ['9080', 'http_proxy']);
  });

  it('Istio\'s HTTP_PROXY_PORT string works too', async () => {
    assert.deepEqual(await listenerNames({ NAMESPACE: 'default', HTTP_PROXY_PORT: '15080' }), ['0.0.0.0_9080', '127.0.0.1_15080']);
  });

  it('a junk port ends the stream with INVALID_ARGUMENT naming the field', async () => {
    const s = open();
    s.send({ node: node({ PROXY_CONFIG: { proxyHttpPort: 'fifteen' } }), type_url: LDS, resource_names: [] });
    const status = await s.ended();
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /metadata\.PROXY_CONFIG\.proxyHttpPort: "fifteen" is not a port/);
  });
});
