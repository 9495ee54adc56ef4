// One real proxyless client: @grpc/grpc-js-xds fetches LDS → RDS → CDS → EDS from the AdsServer
// and makes an RPC to the endpoint it learned. It proves the encoding and the SotW exchange are
// what an xDS client we did not write accepts (every type ACKed, none NACKed).

import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EchoClient, startEchoBackend, type CallReply, type EchoBackend } from '../../helpers/grpc-echo.js';
import { TYPE_URL, type XdsResource } from '../../../src/control/xds/resource.js';
import { CDS, EDS, LDS, RDS, SIDECAR_ID, startServer, waitFor, type Harness } from './harness.js';

const TARGET = 'echo.default.svc.cluster.local:9000';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function resources(port: number): Record<string, XdsResource[]> {
  return {
    [LDS]: [
      {
        name: TARGET,
        typeUrl: TYPE_URL.LISTENER,
        value: {
          name: TARGET,
          api_listener: {
            api_listener: {
              '@type': HCM,
              rds: { route_config_name: 'echo-routes', config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          },
        },
      },
    ],
    [RDS]: [
      {
        name: 'echo-routes',
        typeUrl: TYPE_URL.ROUTE,
        value: {
          name: 'echo-routes',
          virtual_hosts: [{ name: 'echo', domains: [TARGET], routes: [{ match: { prefix: '' }, route: { cluster: 'outbound|9000||echo' } }] }],
        },
      },
    ],
    [CDS]: [
      {
        name: 'outbound|9000||echo',
        typeUrl: TYPE_URL.CLUSTER,
        value: { name: 'outbound|9000||echo', type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, lb_policy: 'ROUND_ROBIN' },
      },
    ],
    [EDS]: [
      {
        name: 'outbound|9000||echo',
        typeUrl: TYPE_URL.ENDPOINT,
        value: {
          cluster_name: 'outbound|9000||echo',
          endpoints: [
            {
              locality: { region: 'local' },
              load_balancing_weight: { value: 1 },
              lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }],
            },
          ],
        },
      },
    ],
  };
}

describe('a real @grpc/grpc-js-xds client', () => {
  let h: Harness;
  let backend: EchoBackend;
  before(async () => {
    grpcXds.register();
    h = await startServer();
    backend = await startEchoBackend('echo-1');
    h.server.setSnapshot({ version: 'v1', resources: resources(backend.port) });
  });
  after(async () => {
    await h.close();
    await backend.close();
  });

  it('learns the route to the backend over ADS and ACKs every type', async () => {
    const bootstrap = {
      xds_servers: [{ server_uri: `127.0.0.1:${h.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: SIDECAR_ID, metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' }, locality: { region: 'local' } },
    };
    const client = new EchoClient(`xds:///${TARGET}`, grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
    try {
      const reply = await new Promise<CallReply>((resolve, reject) => {
        const deadline = new Date(Date.now() + 10_000);
        client.Call({ payload: 'hi' }, { deadline }, (err: grpc.ServiceError | null, value: CallReply) => (err ? reject(err) : resolve(value)));
      });
      assert.deepEqual(reply, { backend: 'echo-1', payload: 'hi' });
      await waitFor(() => {
        const types = h.server.syncz()[0]?.types ?? {};
        return [LDS, RDS, CDS, EDS].every((t) => types[t]?.acked === 'v1');
      }, 'all four types are ACKed');
      const status = h.server.syncz()[0]!;
      assert.equal(status.type, 'proxyless');
      assert.deepEqual(status.types[LDS]?.subscribed, [TARGET]);
      for (const t of [LDS, RDS, CDS, EDS]) assert.equal(status.types[t]?.lastNack, null);
    } finally {
      client.close();
    }
  });
});
