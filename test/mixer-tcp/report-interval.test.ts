// The Mixer TCP filter's config as a control plane other than the manager may send it
// (static-ads.ts): a hand-built listener with the filter before tcp_proxy and a short
// report_interval, so a live connection's periodic `continue` Reports show up — each carrying the
// bytes since the report before it, and the totals so far. A config the filter cannot run is
// NACKed naming the field, and the proxy keeps the listener it had.
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
import type { JsonValue } from '../../src/control/xds/struct.js';
import { eventually } from '../helpers/eventually.js';
import { freePorts, startIsthmus, type RunningProcess } from '../helpers/process.js';
import { startMixer, type MixerProcess } from '../proxy/e2e/mixer-mesh.js';
import { staticCluster, StaticAds } from '../proxy/e2e/static-ads.js';
import { reportsFrom, startTcpEcho, tcpTelemetry, TcpClient, type TcpEcho } from './helpers.js';

const TYPED_STRUCT = 'type.googleapis.com/xds.type.v3.TypedStruct';
const TCP_CLIENT_CONFIG = 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig';

let echo: TcpEcho;
let mixer: MixerProcess;
let ads: StaticAds;
let proxy: RunningProcess;
let dir: string;
let logFile: string;
let listenerPort: number;

function tcpListener(mixerConfig: Record<string, JsonValue>): Record<string, unknown> {
  return {
    name: 'mixed-tcp',
    address: socketAddress('127.0.0.1', listenerPort),
    traffic_direction: 'INBOUND',
    filter_chains: [{
      filters: [
        { name: 'isthmus.mixer', typed_config: any(TYPED_STRUCT, { type_url: TCP_CLIENT_CONFIG, value: structProto(mixerConfig) }) },
        { name: FILTER.TCP_PROXY, typed_config: any(EXT.TCP_PROXY, { stat_prefix: 'mixed', cluster: 'echo' }) },
      ],
    }],
  };
}

const mixerConfig = (reportInterval: JsonValue): Record<string, JsonValue> => ({
  transport: { check_server: mixer.address, report_server: mixer.address, network_fail_policy: { policy: 'FAIL_CLOSE' } },
  mixer_attributes: { attributes: { 'destination.service.host': 'echo.default.svc.cluster.local' } },
  report_interval: reportInterval,
  report_batch: { flush_interval_ms: 50 },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'isthmus-mixer-tcp-static-'));
  logFile = join(dir, 'tcp.jsonl');
  await writeFile(join(dir, 'telemetry.yaml'), tcpTelemetry(logFile));
  echo = await startTcpEcho();
  mixer = await startMixer(dir);
  let adminPort: number;
  let inboundPort: number;
  [adminPort, inboundPort, listenerPort] = (await freePorts(3)) as [number, number, number];
  ads = await StaticAds.start({ clusters: [staticCluster('echo', echo.port)], listeners: [tcpListener(mixerConfig('0.1s'))] });
  proxy = startIsthmus([
    'proxy', '--xds', `127.0.0.1:${ads.port}`, '--service', 'mixed', '--namespace', 'default',
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

test('a live connection reports `continue` every report_interval with the bytes since the last report', async (t) => {
  const client = TcpClient.connect(listenerPort);
  t.after(() => client.destroy());
  const port = await client.localPort;
  assert.equal(await client.roundTrip('abc'), 'abc');
  await eventually('a continue report after the first bytes', () =>
    reportsFrom(logFile, port).find((r) => r.event === 'continue' && r.receivedTotal === 3));
  assert.equal(await client.roundTrip('defg'), 'abcdefg');
  // The first report that counts the new bytes carries exactly them: the one before it had counted 3.
  const next = await eventually('a continue report counting the new bytes', () =>
    reportsFrom(logFile, port).find((r) => r.event === 'continue' && r.receivedTotal === 7));
  assert.equal(next.received, 4);
  assert.equal(next.sentTotal, 7);
  await client.end();
  const reports = await eventually('the close report', () => {
    const r = reportsFrom(logFile, port);
    return r.some((l) => l.event === 'close') ? r : undefined;
  });
  assert.equal(reports[0]!.event, 'open');
  assert.equal(reports[reports.length - 1]!.event, 'close');
  assert.ok(reports.slice(1, -1).every((r) => r.event === 'continue'));
  assert.equal(reports.reduce((n, r) => n + r.received, 0), 7, 'per-report received bytes add up to the total');
  assert.equal(reports.reduce((n, r) => n + r.sent, 0), 7, 'per-report sent bytes add up to the total');
  assert.equal(new Set(reports.map((r) => r.id)).size, 1);
});

test('a report_interval that is not a duration is NACKed naming the field; the listener keeps working', async (t) => {
  const version = ads.serve({ clusters: [staticCluster('echo', echo.port)], listeners: [tcpListener(mixerConfig('soon'))] });
  const nack = await ads.nacked(TYPE_URL.LISTENER, version);
  assert.match(nack.message, /report_interval/);
  assert.match(nack.message, /"soon" is not a duration/);
  const client = TcpClient.connect(listenerPort);
  t.after(() => client.destroy());
  assert.equal(await client.roundTrip('still here'), 'still here');
});
