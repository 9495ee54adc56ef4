// `isthmus run`: a program behind a sidecar. A server is reachable through the sidecar's inbound
// port; a batch job's call goes out through HTTP_PROXY, its exit code is run's, and its sidecar
// is gone afterwards. With a mesh CA the sidecars get identities and talk mutual TLS, so a
// PeerAuthentication STRICT refuses plaintext and still lets the job through.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { repoPath } from '../helpers/paths.js';
import { eventually } from '../helpers/eventually.js';
import { freePorts, startIsthmus } from '../helpers/process.js';
import { alive, processesWith } from './procs.js';

test('isthmus run wraps a server and a batch job with sidecars', { timeout: 120_000 }, async (t) => {
  const configDir = mkdtempSync(join(tmpdir(), 'isthmus-run-'));
  const [xdsPort, webPort] = await freePorts(2);
  const xds = `127.0.0.1:${xdsPort}`;
  const manager = startIsthmus(['control-plane', '--config-dir', configDir, '--xds-port', String(xdsPort), '--monitoring-port', '0']);
  t.after(async () => {
    await manager.stop();
    rmSync(configDir, { recursive: true, force: true });
  });
  await manager.waitForLine(/^ready$/m);

  const web = startIsthmus(['run', '--service', 'web', '--port', String(webPort), '--xds', xds, '--', 'python3', '-m', 'http.server', String(webPort), '--bind', '127.0.0.1']);
  t.after(() => web.stop());
  const inbound = Number((await web.waitForLine(/sidecar for web v1 ready — inbound 127\.0\.0\.1:(\d+)/, 30_000))[1]);

  await t.test('python3 -m http.server is reachable through the sidecar inbound port', async () => {
    const res = await eventually('the server answers through the sidecar', async () => {
      const r = await curl([`http://127.0.0.1:${inbound}/`]);
      return r.status === 200 ? r : undefined;
    });
    assert.match(res.body, /Directory listing/);
  });

  await t.test('a job calls web through HTTP_PROXY, exits 3, and its sidecar exits too', async () => {
    // The job reaches web by its mesh name; only the sidecar knows where that is.
    const script = [
      'import sys, urllib.request',
      `r = urllib.request.urlopen("http://web.default.svc.cluster.local:${inbound}/", timeout=10)`,
      'print("status", r.status, "via", urllib.request.getproxies().get("http"))',
      'sys.exit(3)',
    ].join('\n');
    const r = await runCli(['run', '--service', 'job', '--xds', xds, '--', 'python3', '-c', script]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /status 200 via http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stderr, /sidecar for job v1 ready/);
    const left = processesWith('proxy', '--service job', `--xds ${xds}`).filter((p) => alive(p.pid));
    assert.deepEqual(left.map((p) => p.pid), [], 'the job sidecar is gone');
  });

  await t.test('stopping run stops the server and its sidecar', async () => {
    const sidecars = processesWith('proxy', '--service web', `--xds ${xds}`);
    assert.equal(sidecars.length, 1);
    const code = await web.stop();
    assert.equal(code, 128 + 15, web.output());
    assert.equal(alive(sidecars[0]!.pid), false);
  });
});

test('isthmus run --ca-address: identities from the mesh CA, mutual TLS under STRICT', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'isthmus-run-mtls-'));
  const configDir = join(dir, 'config');
  const caDir = join(dir, 'ca');
  const [xdsPort, webPort] = await freePorts(2);
  const xds = `127.0.0.1:${xdsPort}`;
  const manager = startIsthmus(['control-plane', '--config-dir', configDir, '--ca-dir', caDir, '--xds-port', String(xdsPort), '--monitoring-port', '0']);
  t.after(async () => {
    await manager.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const [, caAddress, caRoot] = await manager.waitForLine(/^ca (\S+) trust bundle (\S+)/m);
  await manager.waitForLine(/^ready$/m);
  const strict = await runCli(['apply', '-f', repoPath('samples/bookinfo/networking/peer-authentication-strict.yaml'), '--config-dir', configDir]);
  assert.equal(strict.code, 0, strict.stderr);
  const token = async (sa: string) => {
    const r = await runCli(['ca', 'token', '--ca-dir', caDir, '--namespace', 'default', '--service-account', sa]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  const tokenFile = join(dir, 'web.jwt');
  writeFileSync(tokenFile, await token('web'), { mode: 0o600 });
  const ca = ['--xds', xds, '--ca-address', caAddress!, '--ca-root', caRoot!];

  const web = startIsthmus(['run', '--service', 'web', '--service-account', 'web', '--port', String(webPort), ...ca, '--token-file', tokenFile, '--',
    'python3', '-m', 'http.server', String(webPort), '--bind', '127.0.0.1']);
  t.after(() => web.stop());
  const [line, port] = await web.waitForLine(/sidecar for web v1 ready — inbound 127\.0\.0\.1:(\d+).*/, 30_000);
  assert.match(line!, /mTLS as spiffe:\/\/cluster\.local\/ns\/default\/sa\/web/);
  const inbound = Number(port);

  await t.test('plaintext to the STRICT inbound port is refused', async () => {
    const res = await curl(['-m', '5', `http://127.0.0.1:${inbound}/`]);
    assert.equal(res.status, 0, `expected no HTTP answer, got ${res.status}`);
  });

  await t.test('a job with its own identity (token in ISTHMUS_CA_TOKEN) reaches web over mTLS', async () => {
    const script = [
      'import urllib.request',
      `r = urllib.request.urlopen("http://web.default.svc.cluster.local:${inbound}/", timeout=10)`,
      'print("status", r.status)',
    ].join('\n');
    const r = await eventually('the job gets a 200 from web', async () => {
      const res = await runCli(['run', '--service', 'job', '--service-account', 'job', ...ca, '--', 'python3', '-c', script], { env: { ISTHMUS_CA_TOKEN: await token('job') } });
      return res.code === 0 ? res : undefined;
    }, { timeoutMs: 60_000 });
    assert.match(r.stdout, /status 200/);
    assert.match(r.stderr, /mTLS as spiffe:\/\/cluster\.local\/ns\/default\/sa\/job/);
  });
});

test('isthmus run: usage errors name the flag', async () => {
  const noService = await runCli(['run', '--', 'true']);
  assert.equal(noService.code, 2);
  assert.match(noService.stderr, /--service NAME is required/);
  const noProgram = await runCli(['run', '--service', 'job']);
  assert.equal(noProgram.code, 2);
  assert.match(noProgram.stderr, /give the program after --/);
  const noRoot = await runCli(['run', '--service', 'job', '--ca-address', '127.0.0.1:15012', '--', 'true']);
  assert.equal(noRoot.code, 2);
  assert.match(noRoot.stderr, /--ca-address needs --ca-root FILE/);
  const noToken = await runCli(['run', '--service', 'job', '--ca-address', '127.0.0.1:15012', '--ca-root', 'root.pem', '--', 'true'], { env: { ISTHMUS_CA_TOKEN: '' } });
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /needs a bootstrap token for default\/default: --token-file FILE or ISTHMUS_CA_TOKEN/);
  const stateDir = mkdtempSync(join(tmpdir(), 'isthmus-run-nostate-'));
  try {
    const noUp = await runCli(['run', '--service', 'job', '--state-dir', stateDir, '--', 'true']);
    assert.equal(noUp.code, 2);
    assert.match(noUp.stderr, /no "isthmus up" is running with the state dir/);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
