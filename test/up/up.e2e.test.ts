// `isthmus up` end to end, as a newcomer runs it: the real CLI in the background on free ports
// with a temporary state dir; the product page through the gateway; mutual TLS between the
// sidecars (their metrics say so); traffic shifted by the 50/50 sample; the ratings abort for
// jason; the AuthorizationPolicy that lets only reviews' identity read ratings; PeerAuthentication
// STRICT (the page still works, plaintext to a sidecar is refused, `isthmus run --state-dir`
// joins with an identity); then SIGTERM, and every child process gone by PID.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { eventually } from '../helpers/eventually.js';
import { repoPath } from '../helpers/paths.js';
import { startIsthmus } from '../helpers/process.js';
import { BOOKINFO_WORKLOADS, upLayout } from '../../src/launcher/index.js';
import { reviewsVersions } from './bookinfo-page.js';
import { freeUpPorts } from './free-layout.js';
import { alive, descendants } from './procs.js';

const sample = (name: string) => repoPath(`samples/bookinfo/networking/${name}`);

/** One sample of a Prometheus text exposition: its labels, as a map. */
function samples(text: string, metric: string): Record<string, string>[] {
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`)).map((l) => {
    const labels: Record<string, string> = {};
    for (const m of l.matchAll(/(\w+)="([^"]*)"/g)) labels[m[1]!] = m[2]!;
    return labels;
  });
}

test('isthmus up: Bookinfo through the gateway, mTLS, traffic shifting, fault injection, authorization, clean stop', { timeout: 240_000 }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'isthmus-up-'));
  const { base, gateway } = await freeUpPorts();
  const layout = upLayout(base, gateway, BOOKINFO_WORKLOADS);
  const sidecar = (workload: string) => layout.workloads.get(workload)!;
  const up = startIsthmus(['up', '--state-dir', stateDir, '--base-port', String(base), '--gateway-port', String(gateway)]);
  let children: number[] = [];
  t.after(async () => {
    await up.stop(15_000);
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });
  await up.waitForLine(/The mesh is up/, 90_000);
  children = descendants(up.child.pid!).map((p) => p.pid);
  assert.match(up.output(), /mTLS: 7 workload certificates issued by the mesh CA/);
  // Manager, gateway, and six workloads each with a sidecar.
  assert.ok(children.length >= 14, `expected at least 14 child processes, found ${children.length}:\n${up.output()}`);
  const page = `http://127.0.0.1:${gateway}/productpage`;
  const apply = async (file: string) => {
    const r = await runCli(['apply', '-f', sample(file), '--config-dir', join(stateDir, 'config')]);
    assert.equal(r.code, 0, r.stderr);
  };

  await t.test('the product page answers through the gateway, with reviews', async () => {
    const { counts, views } = await reviewsVersions(page, 6);
    assert.ok(views.every((v) => v.status === 200), JSON.stringify(views));
    assert.equal(counts.none, undefined, `every page shows reviews: ${JSON.stringify(counts)}`);
  });

  await t.test('traffic between Bookinfo services is mutual TLS with their service-account identities', async () => {
    // reviews v2 and v3 call ratings on every page; the pages above were enough, but poll in case
    // a load balancer sent them all to v1.
    const ratings = await eventually('ratings\' sidecar counted requests from reviews', async () => {
      await reviewsVersions(page, 3);
      const res = await curl([`http://127.0.0.1:${sidecar('ratings-v1').stats}/stats/prometheus`]);
      const from = samples(res.body, 'istio_requests_total').filter((l) => l.reporter === 'destination' && l.source_workload === 'reviews');
      return from.length > 0 ? from : undefined;
    });
    for (const l of ratings) {
      assert.equal(l.connection_security_policy, 'mutual_tls', JSON.stringify(l));
      assert.equal(l.source_principal, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
      assert.equal(l.destination_principal, 'spiffe://cluster.local/ns/default/sa/bookinfo-ratings');
    }
    const details = await curl([`http://127.0.0.1:${sidecar('details-v1').stats}/stats/prometheus`]);
    const fromPage = samples(details.body, 'istio_requests_total').filter((l) => l.reporter === 'destination' && l.source_workload === 'productpage');
    assert.ok(fromPage.length > 0, details.body);
    assert.ok(fromPage.every((l) => l.connection_security_policy === 'mutual_tls'), JSON.stringify(fromPage));
  });

  await t.test('virtual-service-reviews-50-v3.yaml sends about half of reviews traffic to v3, the rest to v1', async () => {
    await apply('virtual-service-reviews-50-v3.yaml');
    await eventually('a batch answered by v1 and v3 and nothing else', async () => {
      const { counts: c } = await reviewsVersions(page, 20);
      return c.v1 && c.v3 && !c.v2 && !c.none ? c : undefined;
    }, { timeoutMs: 30_000 });
    // "About half": 200 pages, each a fair coin between v1 and v3; 30–70 % is more than five
    // standard deviations either side, so only a wrong split fails this.
    const { counts } = await reviewsVersions(page, 200);
    assert.equal((counts.v1 ?? 0) + (counts.v3 ?? 0), 200, JSON.stringify(counts));
    const share = (counts.v3 ?? 0) / 200;
    assert.ok(share >= 0.3 && share <= 0.7, `v3 answered ${(share * 100).toFixed(0)} % (${JSON.stringify(counts)})`);
  });

  await t.test('virtual-service-ratings-test-abort.yaml makes reviews show the ratings error for jason', async () => {
    await apply('virtual-service-ratings-test-abort.yaml');
    await eventually('jason sees "Ratings service is currently unavailable" from v3', async () => {
      const { views } = await reviewsVersions(page, 10, 'jason');
      return views.some((v) => v.reviewsVersion === 'v3' && v.ratingsUnavailable) ? true : undefined;
    }, { timeoutMs: 30_000 });
    const { views } = await reviewsVersions(page, 10);
    assert.ok(views.every((v) => !v.ratingsUnavailable), 'users other than jason still get ratings');
  });

  await t.test('authorization-policy-deny-ratings.yaml: only reviews may read ratings', async () => {
    await apply('authorization-policy-deny-ratings.yaml');
    // productpage asks ratings itself on this path: its identity is not bookinfo-reviews.
    await eventually('productpage is denied by ratings', async () => {
      const res = await curl([`http://127.0.0.1:${gateway}/api/v1/products/0/ratings`]);
      return res.status === 503 && res.body.includes('(403)') ? true : undefined;
    }, { timeoutMs: 30_000 });
    await eventually('reviews v3 still reads ratings', async () => {
      const { views } = await reviewsVersions(page, 10);
      return views.some((v) => v.reviewsVersion === 'v3' && !v.ratingsUnavailable) ? true : undefined;
    }, { timeoutMs: 30_000 });
  });

  await t.test('peer-authentication-strict.yaml: the page still works, plaintext to a sidecar is refused', async () => {
    await apply('peer-authentication-strict.yaml');
    const inbound = `http://127.0.0.1:${sidecar('details-v1').inbound}/details/0`;
    await eventually('details\' sidecar refuses a plaintext request', async () => {
      const res = await curl(['-m', '5', inbound]);
      return res.status === 0 ? true : undefined;
    }, { timeoutMs: 30_000 });
    // Every hop (gateway → productpage → details, reviews → ratings) is mutual TLS already.
    const { views } = await reviewsVersions(page, 6);
    assert.ok(views.every((v) => v.status === 200 && !v.reviewsUnavailable), JSON.stringify(views));
  });

  await t.test('isthmus run --state-dir joins the mesh with an identity, so STRICT lets its job through', async () => {
    const r = await runCli(['run', '--service', 'job', '--state-dir', stateDir, '--', 'curl', '-s', '-m', '10', 'http://productpage:9080/api/v1/products/0/reviews']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /mTLS as spiffe:\/\/cluster\.local\/ns\/default\/sa\/default/);
    assert.match(r.stdout, /"reviews":\[/);
  });

  await t.test('SIGTERM stops every process it started', async () => {
    const code = await up.stop(20_000);
    assert.equal(code, 0, up.output());
    assert.match(up.output(), /stopped/);
    const left = children.filter(alive);
    assert.deepEqual(left, [], `still running: ${left.join(', ')}`);
  });

  await t.test('a second up reuses the state dir: the applied routes still hold', async () => {
    const again = startIsthmus(['up', '--state-dir', stateDir, '--base-port', String(base), '--gateway-port', String(gateway)]);
    t.after(() => again.stop(15_000));
    await again.waitForLine(/The mesh is up/, 90_000);
    assert.doesNotMatch(again.output(), /config: .* created/, 'nothing is installed twice');
    const { counts } = await reviewsVersions(page, 10);
    assert.equal(counts.v2, undefined, `the 50/50 v1/v3 route survived the restart: ${JSON.stringify(counts)}`);
    assert.equal(await again.stop(20_000), 0);
  });
});
