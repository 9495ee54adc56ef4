// An allocation quota on the Mixer TCP filter (a memquota quota with no validDuration): each
// admitted connection holds one unit while it lives and gives it back when it closes, so
// `maxAmount: 1` means one open connection at a time. Real proxy (fed by static-ads), real
// `isthmus mixer`, real TCP echo upstream.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { any, socketAddress } from '../../src/control/translate/proto.js';
import { EXT, FILTER } from '../../src/control/translate/type-urls.js';
import { structProto } from '../../src/control/xds/protos.js';
import { TYPE_URL } from '../../src/control/xds/index.js';
import { eventually } from '../helpers/eventually.js';
import { freePorts, startIsthmus, type RunningProcess } from '../helpers/process.js';
import { docs, yaml } from '../mixer/helpers.js';
import { startMixer, type MixerProcess } from '../proxy/e2e/mixer-mesh.js';
import { staticCluster, StaticAds } from '../proxy/e2e/static-ads.js';
import { startTcpEcho, TcpClient, type TcpEcho } from './helpers.js';

const TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';
const TCP_CLIENT_CONFIG = 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig';

let echo: TcpEcho;
let mixer: MixerProcess;
let ads: StaticAds;
let proxy: RunningProcess;
let dir: string;
let listenerPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-tcp-allocation-'));
  await writeFile(join(dir, 'quota.yaml'), docs(
    yaml.handler('connections', 'memquota', { quotas: [{ name: 'open-connections', maxAmount: 1 }] }),
    yaml.instance('open-connections', 'quota', { dimensions: { port: 'destination.port | 0' } }),
    yaml.rule('limit-connections', 'context.protocol == "tcp"', [{ handler: 'connections', instances: ['open-connections'] }]),
  ));
  echo = await startTcpEcho();
  mixer = await startMixer(dir);
  let adminPort: number;
  let inboundPort: number;
  [adminPort, inboundPort, listenerPort] = (await freePorts(3)) as [number, number, number];
  const listener = {
    name: 'limited-tcp',
    address: socketAddress('127.0.0.1', listenerPort),
    traffic_direction: 'INBOUND',
    filter_chains: [{
      filters: [
        {
          name: 'isthmus.mixer',
          typed_config: any(TYPED_STRUCT, {
            type_url: TCP_CLIENT_CONFIG,
            value: structProto({
              transport: { check_server: mixer.address, report_server: '', network_fail_policy: { policy: 'FAIL_CLOSE' } },
              mixer_attributes: { attributes: { 'destination.service.host': 'echo.default.svc.cluster.local' } },
              quota_specs: [{ quota: 'open-connections', charge: 1 }],
            }),
          }),
        },
        { name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, { stat_prefix: 'limited', cluster: 'echo' }) },
      ],
    }],
  };
  ads = await StaticAds.start({ clusters: [staticCluster('echo', echo.port)], listeners: [listener] });
  proxy = startIsthmus([
    'proxy', '--xds', `127.0.0.1:${ads.port}`, '--service', 'limited', '--namespace', 'default',
    '--admin-port', String(adminPort), '--readiness-port', '0', '--stats-port', '0',
    '--inbound-port', String(inboundPort), '--outbound-port', '0', '--drain-duration', '1s',
  ]);
  await proxy.waitForLine(/^ready$/m);
  await ads.acked(TYPE_URL.LISTENER, '1');
});

after(async () => {
  await proxy?.stop(3000);
  await ads?.close();
  await mixer?.stop();
  await echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an allocation quota of 1 admits one connection at a time and is given back when it closes', async (t) => {
  const first = TcpClient.connect(listenerPort);
  t.after(() => first.destroy());
  assert.equal(await first.roundTrip('one'), 'one');

  const second = TcpClient.connect(listenerPort);
  t.after(() => second.destroy());
  second.socket.write('two');
  await second.closed;
  assert.equal(second.bytes, '', 'the second connection is closed while the first holds the quota');

  await first.end();
  // The release travels to Mixer after the close: a new connection is admitted once it has.
  const third = await eventually('a connection admitted after the first one closed', async () => {
    const c = TcpClient.connect(listenerPort);
    try {
      return (await c.roundTrip('three')) === 'three' ? c : undefined;
    } catch {
      c.destroy();
      return undefined;
    }
  });
  t.after(() => third.destroy());
  assert.equal(third.bytes, 'three');
});
