import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidNodeError } from '../../../src/control/xds/errors.js';
import { parseNode } from '../../../src/control/xds/node.js';

const ID = 'sidecar~10.0.0.7~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local';

function struct(json: Record<string, unknown>, style: 'camel' | 'snake' = 'camel'): { fields: Record<string, unknown> } {
  const key = (camel: string): string => (style === 'camel' ? camel : camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  const value = (v: unknown): Record<string, unknown> => {
    if (typeof v === 'string') return { [key('stringValue')]: v };
    if (typeof v === 'number') return { [key('numberValue')]: v };
    if (typeof v === 'boolean') return { [key('boolValue')]: v };
    if (Array.isArray(v)) return { [key('listValue')]: { values: v.map(value) } };
    return { [key('structValue')]: struct(v as Record<string, unknown>, style) };
  };
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, value(v)])) };
}

describe('parseNode', () => {
  it('reads an Istio sidecar id and its metadata', () => {
    const proxy = parseNode({
      id: ID,
      metadata: struct({
        NAMESPACE: 'bookinfo',
        LABELS: { app: 'reviews', version: 'v1' },
        SERVICE_ACCOUNT: 'bookinfo-reviews',
        INSTANCE_IPS: '10.0.0.7, fd00::7',
      }),
      locality: { region: 'eu', zone: 'eu-1', sub_zone: '' },
    });
    assert.equal(proxy.id, ID);
    assert.equal(proxy.type, 'sidecar');
    assert.equal(proxy.namespace, 'bookinfo');
    assert.deepEqual(proxy.labels, { app: 'reviews', version: 'v1' });
    assert.equal(proxy.serviceAccount, 'bookinfo-reviews');
    assert.deepEqual(proxy.ips, ['10.0.0.7', 'fd00::7']);
    assert.deepEqual(proxy.locality, { region: 'eu', zone: 'eu-1' });
    assert.equal(proxy.registration, undefined);
    assert.deepEqual(proxy.metadata.LABELS, { app: 'reviews', version: 'v1' });
  });

  it('accepts snake_case Struct values as other loaders send them', () => {
    const proxy = parseNode({ id: ID, metadata: struct({ LABELS: { app: 'x' }, NAMESPACE: 'other' }, 'snake') });
    assert.deepEqual(proxy.labels, { app: 'x' });
    assert.equal(proxy.namespace, 'other');
  });

  it('takes the namespace from the id, then default, and the IP from the id', () => {
    const fromId = parseNode({ id: ID });
    assert.equal(fromId.namespace, 'bookinfo');
    assert.deepEqual(fromId.ips, ['10.0.0.7']);
    assert.deepEqual(fromId.labels, {});
    assert.equal(parseNode({ id: 'router~10.0.0.1~gw~' }).namespace, 'default');
  });

  it('tells gateways and proxyless gRPC clients apart', () => {
    assert.equal(parseNode({ id: 'router~10.0.0.1~ingress.istio-system~istio-system.svc.cluster.local' }).type, 'router');
    const grpcClient = parseNode({ id: ID, metadata: struct({ GENERATOR: 'grpc' }) });
    assert.equal(grpcClient.type, 'proxyless');
  });

  it('reads a VM-style self registration', () => {
    const json = parseNode({ id: ID, metadata: struct({ ISTHMUS_SERVICE: 'ratings', ISTHMUS_PORTS: '{"http": 9080}' }) });
    assert.deepEqual(json.registration, { service: 'ratings', ports: { http: 9080 }, address: '10.0.0.7' });
    const list = parseNode({ id: ID, metadata: struct({ ISTHMUS_SERVICE: 'ratings', ISTHMUS_PORTS: 'http:9080, grpc:9090', INSTANCE_IPS: '10.1.1.1' }) });
    assert.deepEqual(list.registration, { service: 'ratings', ports: { http: 9080, grpc: 9090 }, address: '10.1.1.1' });
    const map = parseNode({ id: ID, metadata: struct({ ISTHMUS_SERVICE: 'ratings', ISTHMUS_PORTS: { http: 9080 } }) });
    assert.deepEqual(map.registration?.ports, { http: 9080 });
  });

  it('reads the HTTP-proxy port from HTTP_PROXY_PORT or PROXY_CONFIG.proxyHttpPort, as a number or numeric string', () => {
    const port = (metadata: Record<string, unknown>) => parseNode({ id: ID, metadata: struct(metadata) }).httpProxyPort;
    assert.equal(port({}), undefined);
    assert.equal(port({ HTTP_PROXY_PORT: '15001' }), 15001, 'Istio sends a string');
    assert.equal(port({ HTTP_PROXY_PORT: 15001 }), 15001);
    assert.equal(port({ HTTP_PROXY_PORT: '' }), undefined, 'empty is unset');
    assert.equal(port({ PROXY_CONFIG: { proxyHttpPort: 15080, concurrency: 2 } }), 15080);
    assert.equal(port({ PROXY_CONFIG: { proxyHttpPort: '15080' } }), 15080);
    assert.equal(port({ PROXY_CONFIG: { concurrency: 2 } }), undefined, 'a ProxyConfig without it');
    assert.equal(port({ PROXY_CONFIG: { proxyHttpPort: 0 } }), 0, '0 turns it off');
    assert.equal(port({ HTTP_PROXY_PORT: '15001', PROXY_CONFIG: { proxyHttpPort: 15001 } }), 15001, 'both, agreeing');
  });

  it('rejects ids and metadata that cannot identify a proxy, naming the field', () => {
    const cases: [unknown, string, RegExp][] = [
      [null, 'id', /missing/],
      [{ id: '' }, 'id', /missing/],
      [{ id: 'my-client' }, 'id', /1 "~"-separated fields, expected 4/],
      [{ id: 'waypoint~10.0.0.1~a.b~b.svc' }, 'id', /use "sidecar" or "router"/],
      [{ id: 'sidecar~not-an-ip~a.b~b.svc' }, 'id', /"not-an-ip" .* IP address/],
      [{ id: ID, metadata: struct({ LABELS: 'app=x' }) }, 'metadata.LABELS', /map of label names/],
      [{ id: ID, metadata: struct({ INSTANCE_IPS: '10.0.0.1,nope' }) }, 'metadata.INSTANCE_IPS', /"nope" is not an IP/],
      [{ id: ID, metadata: struct({ ISTHMUS_SERVICE: 's', ISTHMUS_PORTS: 'http:99999' }) }, 'metadata.ISTHMUS_PORTS', /not a port/],
      [{ id: ID, metadata: struct({ NAMESPACE: 3 }) }, 'metadata.NAMESPACE', /expected a string/],
      [{ id: ID, metadata: struct({ HTTP_PROXY_PORT: 'http' }) }, 'metadata.HTTP_PROXY_PORT', /"http" is not a port/],
      [{ id: ID, metadata: struct({ HTTP_PROXY_PORT: 70000 }) }, 'metadata.HTTP_PROXY_PORT', /70000 is not a port/],
      [{ id: ID, metadata: struct({ PROXY_CONFIG: { proxyHttpPort: -1 } }) }, 'metadata.PROXY_CONFIG.proxyHttpPort', /-1 is not a port/],
      [{ id: ID, metadata: struct({ PROXY_CONFIG: { proxyHttpPort: 15001.5 } }) }, 'metadata.PROXY_CONFIG.proxyHttpPort', /15001.5 is not a port/],
      [{ id: ID, metadata: struct({ PROXY_CONFIG: { proxyHttpPort: true } }) }, 'metadata.PROXY_CONFIG.proxyHttpPort', /true is not a port/],
      [{ id: ID, metadata: struct({ PROXY_CONFIG: 'proxyHttpPort: 15001' }) }, 'metadata.PROXY_CONFIG', /map of fields/],
      [{ id: ID, metadata: struct({ HTTP_PROXY_PORT: '15001', PROXY_CONFIG: { proxyHttpPort: 15002 } }) }, 'metadata.HTTP_PROXY_PORT', /15001 disagrees with PROXY_CONFIG.proxyHttpPort 15002/],
    ];
    for (const [input, field, message] of cases) {
      assert.throws(
        () => parseNode(input as Parameters<typeof parseNode>[0]),
        (err: unknown) => err instanceof InvalidNodeError && err.field === field && err.code === 'INVALID_NODE' && message.test(err.message),
        `${JSON.stringify(input)}`,
      );
    }
  });
});
