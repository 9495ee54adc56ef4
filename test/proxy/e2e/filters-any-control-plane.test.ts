// The HTTP filters the manager never emits (local rate limit, compressor, header mutation), run
// end to end: a real `isthmus proxy` fed hand-built Envoy resources by a control plane that is
// not the manager (static-ads.ts), a real backend behind a STATIC cluster, and curl as the
// client. Also what such a control plane sees when it sends a filter the proxy lacks: a NACK
// naming it, while the proxy keeps serving the listener it had.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TYPE_URL } from '../../../src/control/xds/index.js';
import { startHttpBackend, type Backend } from '../../helpers/backends.js';
import { curl } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import { freePorts, startIsthmus, type RunningProcess } from '../../helpers/process.js';
import { accessLogEntry, flagsOf } from './access-log.js';
import { MAX_TIME } from './fixtures.js';
import { httpFilter, httpListener, staticCluster, StaticAds, type StaticResources } from './static-ads.js';

const T = 'type.googleapis.com/';
const LOCAL_RATELIMIT = `${T}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`;
const COMPRESSOR = `${T}envoy.extensions.filters.http.compressor.v3.Compressor`;
const GZIP = `${T}envoy.extensions.compression.gzip.compressor.v3.Gzip`;
const HEADER_MUTATION = `${T}envoy.extensions.filters.http.header_mutation.v3.HeaderMutation`;
/** Loaded by the xDS protos (so it decodes) but not implemented by the proxy. */
const RBAC = `${T}envoy.extensions.filters.http.rbac.v3.RBAC`;

const CLUSTER = 'backend';

/** Every request, as a RuntimeFractionalPercent. */
const ALL = (key: string) => ({ default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: key });

/** Two tokens, refilled only after an hour: the third request in a test is over the limit. */
const localRateLimit = httpFilter('envoy.filters.http.local_ratelimit', LOCAL_RATELIMIT, {
  stat_prefix: 'http_local_rate_limiter',
  token_bucket: { max_tokens: 2, tokens_per_fill: { value: 2 }, fill_interval: { seconds: 3600, nanos: 0 } },
  filter_enabled: ALL('local_rate_limit_enabled'),
  filter_enforced: ALL('local_rate_limit_enforced'),
});

const gzipCompressor = httpFilter('envoy.filters.http.compressor', COMPRESSOR, {
  compressor_library: { name: 'gzip', typed_config: { '@type': GZIP } },
});

/** Adds x-mesh-cp to requests and drops x-drop-me; stamps responses and hides x-backend. */
function headerMutation(stamp: string) {
  return httpFilter('envoy.filters.http.header_mutation', HEADER_MUTATION, {
    mutations: {
      request_mutations: [
        { append: { header: { key: 'x-mesh-cp', value: 'static' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } },
        { remove: 'x-drop-me' },
      ],
      response_mutations: [
        { append: { header: { key: 'x-filtered-by', value: stamp }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } },
        { remove: 'x-backend' },
      ],
    },
  });
}

describe('proxy HTTP filters from a control plane other than the manager', () => {
  let backend: Backend;
  let ads: StaticAds;
  let proxy: RunningProcess;
  let logDir: string;
  let accessLog: string;
  let adminPort: number;
  let rlPort: number;
  let gzipPort: number;
  let mutatePort: number;

  /** The three listeners, one filter each so the rate limiter sees only its own requests. */
  const resources = (mutateFilters: Record<string, unknown>[]): StaticResources => ({
    clusters: [staticCluster(CLUSTER, backend.port)],
    listeners: [
      httpListener('ratelimited', rlPort, CLUSTER, [localRateLimit]),
      httpListener('compressed', gzipPort, CLUSTER, [gzipCompressor]),
      httpListener('mutated', mutatePort, CLUSTER, mutateFilters),
    ],
  });
  const get = (port: number, path: string, args: string[] = []) => curl([...MAX_TIME, ...args, `http://127.0.0.1:${port}${path}`]);

  before(async () => {
    backend = await startHttpBackend('backend');
    logDir = await mkdtemp(join(tmpdir(), 'isthmus-static-ads-'));
    accessLog = join(logDir, 'access.log');
    let inboundPort: number;
    [adminPort, inboundPort, rlPort, gzipPort, mutatePort] = (await freePorts(5)) as [number, number, number, number, number];
    ads = await StaticAds.start(resources([headerMutation('v1')]));
    proxy = startIsthmus([
      'proxy', '--xds', `127.0.0.1:${ads.port}`, '--service', 'filters', '--namespace', 'default',
      '--admin-port', String(adminPort), '--readiness-port', '0', '--stats-port', '0',
      '--inbound-port', String(inboundPort), '--outbound-port', '0', '--drain-duration', '1s',
      '--access-log', accessLog, '--access-log-format', 'json',
    ]);
    await proxy.waitForLine(/^ready$/m);
  });

  after(async () => {
    await proxy?.stop(3000);
    await ads?.close();
    await backend?.close();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  it('local rate limit: a bucket of two tokens answers the third request 429, flagged RL in the access log', async () => {
    for (const path of ['/rl/1', '/rl/2']) {
      const r = await get(rlPort, path);
      assert.equal(r.status, 200, `${path}: ${r.stderr}${r.body}`);
      assert.equal(r.headers['x-backend'], 'backend');
    }
    const limited = await get(rlPort, '/rl/3');
    assert.equal(limited.status, 429);
    assert.equal(limited.body, 'local_rate_limited');
    assert.ok(!backend.requests.some((r) => r.path === '/rl/3'), 'the limited request never reached the backend');

    const entry = await accessLogEntry(accessLog, '/rl/3');
    assert.equal(entry.response_code, 429);
    assert.ok(flagsOf(entry).has('RL'), `flags: ${entry.response_flags}`);
    assert.equal(entry.response_code_details, 'local_rate_limited');
    assert.ok(!flagsOf(await accessLogEntry(accessLog, '/rl/2')).has('RL'), 'requests within the limit carry no RL');
  });

  it('compressor: gzip-encodes a 500-byte body for a client that accepts gzip and varies on Accept-Encoding', async () => {
    const plain = 'x'.repeat(500);
    const zipped = await get(gzipPort, '/gz?body=500', ['--compressed', '-H', 'Accept-Encoding: gzip']);
    assert.equal(zipped.status, 200, zipped.stderr);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(zipped.headers.vary ?? '', /accept-encoding/i);
    assert.equal(zipped.body, plain, 'curl decompressed the backend\'s body');

    // A client that does not accept gzip gets the body as the backend sent it.
    const identity = await get(gzipPort, '/gz?body=500');
    assert.equal(identity.status, 200);
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.match(identity.headers.vary ?? '', /accept-encoding/i);
    assert.equal(identity.body, plain);
  });

  it('header mutation: adds a request header the backend sees and a response header curl sees, and removes one each way', async () => {
    const r = await get(mutatePort, '/mutate', ['-H', 'x-drop-me: please']);
    assert.equal(r.status, 200, r.stderr);
    assert.equal(r.headers['x-filtered-by'], 'v1');
    assert.equal(r.headers['x-backend'], undefined, 'the response mutation removed x-backend');
    const seen = backend.requests.filter((q) => q.path === '/mutate').at(-1);
    assert.ok(seen, 'the backend got the request');
    assert.equal(seen.headers['x-mesh-cp'], 'static');
    assert.equal(seen.headers['x-drop-me'], undefined, 'the request mutation removed x-drop-me');
  });

  it('a filter config the proxy cannot run is NACKed and the previous listener keeps serving; the next good update applies', async () => {
    const good = ads.statuses(TYPE_URL.LISTENER)[0]?.acked;
    assert.ok(good, `listeners were acked (${ads.log.join('; ')})`);

    // The control plane puts an RBAC policy with a CEL condition (which this proxy cannot
    // evaluate) in front of the mutation and changes the stamp: all rejected.
    const celPolicy = { rules: { action: 'ALLOW', policies: { cel: { permissions: [{ any: true }], principals: [{ any: true }], condition: { const_expr: { bool_value: true } } } } } };
    const bad = ads.serve(resources([httpFilter('envoy.filters.http.rbac', RBAC, celPolicy), headerMutation('v2')]));
    const nack = await ads.nacked(TYPE_URL.LISTENER, bad);
    assert.match(nack.message, /mutated/, 'the reason names the listener');
    assert.match(nack.message, /envoy\.filters\.http\.rbac/, 'the reason names the filter');
    assert.match(nack.message, /condition.*CEL expressions are not supported/);
    assert.equal(ads.statuses(TYPE_URL.LISTENER)[0]?.acked, good, 'the acked version stays the last good one');

    const dump = JSON.parse(await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).text()) as { versions: { listeners: string } };
    assert.equal(dump.versions.listeners, good, 'the proxy still holds the last good listeners');
    for (let i = 0; i < 3; i++) {
      const r = await get(mutatePort, `/after-nack/${i}`);
      assert.equal(r.status, 200, r.stderr);
      assert.equal(r.headers['x-filtered-by'], 'v1', 'the previous listener keeps serving');
    }

    // The rejection does not wedge the stream: the next good version is taken and served.
    const fixed = ads.serve(resources([headerMutation('v2')]));
    await ads.acked(TYPE_URL.LISTENER, fixed);
    await eventually('the updated listener serves', async () => ((await get(mutatePort, '/after-fix')).headers['x-filtered-by'] === 'v2' ? true : undefined));
  });
});
