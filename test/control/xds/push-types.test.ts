// Which resource types the manager regenerates after a change: a VirtualService-only change
// touches routes and listeners, never the (many) clusters and endpoints; an endpoint move only
// endpoints. Checked by counting generator calls behind a real ADS stream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Manager } from '../../../src/control/manager.js';
import type { PushContext } from '../../../src/control/model/index.js';
import { GENERATORS } from '../../../src/control/translate/index.js';
import type { Generator, TypeUrl } from '../../../src/control/xds/index.js';
import { openStore, type ConfigStore } from '../../../src/store/index.js';
import { applyYaml } from '../../helpers/config.js';
import { service } from '../model/world.js';
import { CDS, EDS, LDS, RDS, SIDECAR_ID, TestStream, node, type SotwResponse } from './harness.js';

const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

const vs = (v1: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v1}, weight: ${v1}}, {destination: {host: reviews, subset: v2}, weight: ${100 - v1}}]}]
`;

describe('what a change regenerates', () => {
  let store: ConfigStore;
  let manager: Manager;
  let stream: TestStream<SotwResponse>;
  const calls = new Map<string, number>();

  before(async () => {
    store = await openStore({ backend: 'memory' });
    await applyYaml(store, `${service('reviews', 'default', 9080, ['v1', 'v2'])}${vs(80)}`);
    const counting = new Map<TypeUrl, Generator<PushContext>>();
    for (const [type, g] of GENERATORS) {
      counting.set(type, { generate: (proxy, push, names) => (calls.set(type, (calls.get(type) ?? 0) + 1), g.generate(proxy, push, names)) });
    }
    manager = await Manager.start({ store, xdsPort: 0, debounceMs: 0, generators: counting, log: () => {} });
    stream = new TestStream<SotwResponse>(manager.xdsPort, 'sotw');
    // Envoy's order: each subscription answered, then ACKed with the same names.
    const subscribe = async (type: string, names: string[], first = false): Promise<void> => {
      stream.send({ ...(first ? { node: node(SIDECAR_ID, { NAMESPACE: 'default' }) } : {}), type_url: type, resource_names: names });
      const res = await stream.next(type);
      assert.equal(res.type_url, type);
      stream.send({ type_url: type, version_info: res.version_info, response_nonce: res.nonce, resource_names: names });
    };
    await subscribe(CDS, [], true);
    await subscribe(EDS, [CLUSTER]);
    await subscribe(LDS, []);
    await subscribe(RDS, ['9080']);
  });
  after(async () => {
    stream.close();
    await manager.close();
  });

  it('a VirtualService weight change regenerates routes and listeners, not clusters or endpoints', async () => {
    calls.clear();
    await applyYaml(store, vs(30));
    const res = await stream.next('the RDS push');
    assert.equal(res.type_url, RDS);
    stream.send({ type_url: RDS, version_info: res.version_info, response_nonce: res.nonce, resource_names: ['9080'] });
    assert.ok((calls.get(RDS) ?? 0) > 0 && (calls.get(LDS) ?? 0) > 0, JSON.stringify([...calls]));
    assert.equal(calls.get(CDS) ?? 0, 0);
    assert.equal(calls.get(EDS) ?? 0, 0);
  });

  it('an endpoint move regenerates endpoints only', async () => {
    calls.clear();
    await applyYaml(store, service('reviews', 'default', 9080, ['v1', 'v2']).replace('10.1.7.2', '10.1.7.9'));
    const res = await stream.next('the EDS push');
    assert.equal(res.type_url, EDS);
    assert.deepEqual([...calls.keys()], [EDS]);
  });
});
