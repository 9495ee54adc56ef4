// The dashboard in a real browser (Debian's chromium, driven by playwright-core): `isthmus up`
// on free ports, traffic through the gateway, then the graph must show Bookinfo's workloads and
// its edges with non-zero rates and mTLS locks; the ratings abort for jason must turn the
// reviews → ratings edges red; the ratings service page must list the VirtualService; and a
// screenshot lands in test-output/. Everything is polled, nothing timed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { BOOKINFO_WORKLOADS, upLayout } from '../../src/launcher/index.js';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { repoPath } from '../helpers/paths.js';
import { startIsthmus } from '../helpers/process.js';
import { freeUpPorts } from '../up/free-layout.js';
import { alive, descendants } from '../up/procs.js';

const CHROMIUM = '/usr/bin/chromium';
// Without it locally the test says why; in CI (.ci/run installs Debian's chromium) it must run.
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is missing: apt-get install chromium` : false;

interface EdgeView {
  edge: string;
  rps: number;
  errorRatio: number;
  mtls: string;
  lock: boolean;
}

async function graphInPage(page: Page): Promise<{ nodes: string[]; edges: EdgeView[] }> {
  // Read from the SVG's data attributes: the numbers the page draws, as the page has them.
  const nodes = await page.$$eval('g.node', (els) => els.map((n) => n.getAttribute('data-node') ?? ''));
  const edges = await page.$$eval('g.edge', (els) => els.map((e) => ({
    edge: e.getAttribute('data-edge') ?? '',
    rps: Number(e.getAttribute('data-rps')),
    errorRatio: Number(e.getAttribute('data-error-ratio')),
    mtls: e.getAttribute('data-mtls') ?? '',
    lock: e.querySelector('[data-mtls-lock]') !== null,
  })));
  return { nodes, edges };
}

test('the dashboard shows the live Bookinfo graph, an injected fault as errors, and config per service', { skip, timeout: 240_000 }, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'isthmus-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'isthmus-chromium-'));
  const { base, gateway } = await freeUpPorts();
  const layout = upLayout(base, gateway, BOOKINFO_WORKLOADS);
  const up = startIsthmus(['up', '--state-dir', stateDir, '--base-port', String(base), '--gateway-port', String(gateway)]);
  let children: number[] = [];
  let traffic = true;
  let trafficDone: Promise<void> = Promise.resolve();
  let closeBrowser: () => Promise<void> = async () => {};
  t.after(async () => {
    traffic = false;
    await trafficDone;
    await closeBrowser();
    await up.stop(15_000);
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });
  await up.waitForLine(/The mesh is up/, 90_000);
  children = descendants(up.child.pid!).map((p) => p.pid);

  // Page loads as an anonymous user and as jason, until the test ends.
  const page = `http://127.0.0.1:${gateway}/productpage`;
  const load = async (headers: Record<string, string>) => {
    try {
      const res = await fetch(page, { headers, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
    } catch {
      // A failed load is traffic too; the graph is what this test reads.
    }
  };
  trafficDone = (async () => {
    while (traffic) {
      await load({});
      await load({ cookie: 'user=jason' });
    }
  })();

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  closeBrowser = () => context.close();
  const browser = context.pages()[0] ?? (await context.newPage());
  const dashboard = `http://127.0.0.1:${layout.monitoring}/ui/`;
  await browser.goto(dashboard);

  await t.test('the graph shows the Bookinfo workloads and their traffic, with mTLS locks', async () => {
    const expectedNodes = ['istio-ingressgateway', 'productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1'];
    const expectedEdges = ['istio-ingressgateway->productpage-v1', 'productpage-v1->details-v1', 'productpage-v1->reviews-v1', 'productpage-v1->reviews-v2', 'productpage-v1->reviews-v3'];
    const graph = await eventually('every Bookinfo node and edge with a non-zero rate', async () => {
      const g = await graphInPage(browser);
      const live = (name: string) => g.edges.some((e) => e.edge === name && e.rps > 0);
      const ratings = g.edges.some((e) => /^reviews-v[23]->ratings-v1$/.test(e.edge) && e.rps > 0);
      return expectedNodes.every((n) => g.nodes.includes(n)) && expectedEdges.every(live) && ratings ? g : undefined;
    }, { timeoutMs: 60_000 });
    for (const e of graph.edges.filter((x) => x.rps > 0 && !x.edge.endsWith('->ratings'))) {
      assert.equal(e.mtls, '1', `${e.edge} is mutual TLS: ${JSON.stringify(e)}`);
      assert.ok(e.lock, `${e.edge} shows the lock`);
    }
  });

  await t.test('the ratings abort for jason shows up as errors on the reviews → ratings edges', async () => {
    const r = await runCli(['apply', '-f', repoPath('samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml'), '--config-dir', join(stateDir, 'config')]);
    assert.equal(r.code, 0, r.stderr);
    const failing = await eventually('a reviews → ratings edge with 5xx', async () => {
      const g = await graphInPage(browser);
      const bad = g.edges.filter((e) => /^reviews-v[23]->ratings/.test(e.edge) && e.errorRatio > 0);
      return bad.length > 0 ? bad : undefined;
    }, { timeoutMs: 60_000 });
    assert.ok(failing.every((e) => e.rps > 0));
    // The gateway and productpage hops stay clean: the fault is where the config put it.
    const g = await graphInPage(browser);
    for (const e of g.edges.filter((x) => x.edge.startsWith('istio-ingressgateway->') || x.edge.startsWith('productpage-v1->'))) {
      assert.equal(e.errorRatio, 0, JSON.stringify(e));
    }
    const out = repoPath('test-output');
    mkdirSync(out, { recursive: true });
    await browser.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
  });

  await t.test('the ratings service page lists the VirtualService that applies, valid, and its proxy synced', async () => {
    await browser.goto(`${dashboard}#/services/ratings.default.svc.cluster.local`);
    await browser.waitForSelector('[data-config="VirtualService/ratings"]', { timeout: 30_000 });
    const row = await browser.textContent('[data-config="VirtualService/ratings"]');
    assert.match(row ?? '', /Valid/);
    await eventually('the ratings proxy shows SYNCED types', async () => {
      const text = await browser.textContent('table.sync');
      return text && /SYNCED/.test(text) && !/NACKED/.test(text) ? true : undefined;
    });
    await browser.screenshot({ path: join(repoPath('test-output'), 'dashboard-ratings.png'), fullPage: true });
  });

  await t.test('SIGTERM stops the mesh and every process it started', async () => {
    traffic = false;
    await trafficDone;
    await closeBrowser();
    closeBrowser = async () => {};
    const code = await up.stop(20_000);
    assert.equal(code, 0, up.output());
    const left = children.filter(alive);
    assert.deepEqual(left, [], `still running: ${left.join(', ')}`);
  });
});
