// The dashboard's graph model from Prometheus text: which series make which edge, rates from
// successive scrapes (with counter resets), error ratio, mTLS share, and p99 from the histogram.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph, edgeSeriesFromText, histogramQuantile, layoutGraph, parsePrometheusText, TrafficWindow } from '../../src/dashboard/index.js';

type Labels = Record<string, string>;

function line(name: string, labels: Labels, value: number): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${value}`;
}

/** What a ratings sidecar (reporter=destination) writes for requests from reviews-v2. */
function inbound(opts: { from: string; fromVersion: string; to: string; toVersion: string; code: string; count: number; buckets: [number, number][]; mtls?: boolean }): string {
  const labels: Labels = {
    reporter: 'destination',
    source_workload: opts.from,
    source_workload_namespace: 'default',
    source_version: opts.fromVersion,
    destination_workload: opts.to,
    destination_workload_namespace: 'default',
    destination_version: opts.toVersion,
    destination_service: `${opts.to}.default.svc.cluster.local`,
    destination_service_name: opts.to,
    destination_service_namespace: 'default',
    response_code: opts.code,
    response_flags: '-',
    connection_security_policy: opts.mtls === false ? 'none' : 'mutual_tls',
  };
  const out = [
    '# HELP istio_requests_total Total requests.',
    '# TYPE istio_requests_total counter',
    line('istio_requests_total', labels, opts.count),
  ];
  for (const [le, n] of opts.buckets) out.push(line('istio_request_duration_milliseconds_bucket', { ...labels, le: String(le) }, n));
  out.push(line('istio_request_duration_milliseconds_bucket', { ...labels, le: '+Inf' }, opts.count));
  out.push(line('istio_request_duration_milliseconds_sum', labels, 1), line('istio_request_duration_milliseconds_count', labels, opts.count));
  return out.join('\n');
}

/** A reviews sidecar's own record of a fault-injection abort: the request never left it. */
function faultAbort(count: number): string {
  return line('istio_requests_total', {
    reporter: 'source',
    source_workload: 'reviews',
    source_workload_namespace: 'default',
    source_version: 'v2',
    destination_workload: 'unknown',
    destination_workload_namespace: 'unknown',
    destination_version: 'unknown',
    destination_service: 'ratings:9080',
    destination_service_name: 'ratings:9080',
    destination_service_namespace: 'unknown',
    response_code: '500',
    response_flags: 'FI',
    connection_security_policy: 'unknown',
  }, count);
}

test('the text parser reads labels with escapes, skips comments and other families, and reads +Inf', () => {
  const text = [
    '# TYPE x counter',
    'x{a="1",b="say \\"hi\\"\\n",c="back\\\\slash"} 3 1700000000000',
    'y{a="1"} 4',
    'x 5',
    'x{le="+Inf"} +Inf',
    'x{broken="1} 2',
  ].join('\n');
  const samples = parsePrometheusText(text, new Set(['x']));
  assert.deepEqual(samples, [
    { name: 'x', labels: { a: '1', b: 'say "hi"\n', c: 'back\\slash' }, value: 3 },
    { name: 'x', labels: {}, value: 5 },
    { name: 'x', labels: { le: '+Inf' }, value: Infinity },
  ]);
});

test('the destination side makes the edge; the source side only when the request never reached it', () => {
  const text = [
    inbound({ from: 'reviews', fromVersion: 'v2', to: 'ratings', toVersion: 'v1', code: '200', count: 10, buckets: [[5, 8], [10, 10]] }),
    // The source's record of the same requests: counted by the destination already.
    line('istio_requests_total', { reporter: 'source', source_workload: 'reviews', source_version: 'v2', destination_workload: 'ratings', destination_version: 'v1', response_code: '200', response_flags: '-' }, 10),
    faultAbort(4),
  ].join('\n');
  const series = [...edgeSeriesFromText(text).values()];
  assert.equal(series.length, 2);
  const reached = series.find((s) => s.reached)!;
  assert.equal(reached.source.label, 'reviews-v2');
  assert.equal(reached.target.label, 'ratings-v1');
  assert.equal(reached.target.kind, 'workload');
  assert.equal(reached.mutualTls, true);
  assert.deepEqual([...reached.buckets], [[5, 8], [10, 10], [Infinity, 10]]);
  const aborted = series.find((s) => !s.reached)!;
  assert.equal(aborted.target.kind, 'service');
  assert.equal(aborted.target.label, 'ratings');
  assert.equal(aborted.target.namespace, 'default');
  assert.equal(aborted.responseCode, '500');
});

test('rates come from successive scrapes; a counter reset loses one interval, not the window', () => {
  const window = new TrafficWindow(10_000);
  const scrape = (count: number, ok200: [number, number][]) => edgeSeriesFromText(inbound({ from: 'productpage', fromVersion: 'v1', to: 'reviews', toVersion: 'v2', code: '200', count, buckets: ok200 }));
  window.observe('reviews-v2', 0, scrape(100, [[10, 100]]));
  assert.deepEqual(window.rates(0), [], 'the first scrape is only the baseline');
  window.observe('reviews-v2', 2000, scrape(120, [[10, 120]]));
  let [edge] = window.rates(2000);
  assert.equal(edge!.requestsPerSecond, 10);
  assert.equal(edge!.errorRatio, 0);
  assert.equal(edge!.mutualTlsRatio, 1);
  // The proxy restarted: its counter starts again; the 6 it counted since are all new.
  window.observe('reviews-v2', 4000, scrape(6, [[10, 6]]));
  [edge] = window.rates(4000);
  assert.equal(edge!.requestsPerSecond, (20 + 6) / 4);
  // Old intervals leave the window.
  window.observe('reviews-v2', 20_000, scrape(6, [[10, 6]]));
  assert.deepEqual(window.rates(20_000), []);
});

test('5xx ratio, response codes and p99 are computed over the window across proxies', () => {
  const window = new TrafficWindow(10_000);
  const ratings = (ok: number, bad: number, okBuckets: [number, number][]) =>
    edgeSeriesFromText([
      inbound({ from: 'reviews', fromVersion: 'v3', to: 'ratings', toVersion: 'v1', code: '200', count: ok, buckets: okBuckets }),
      inbound({ from: 'reviews', fromVersion: 'v3', to: 'ratings', toVersion: 'v1', code: '503', count: bad, buckets: [[1, bad]] }),
    ].join('\n'));
  window.observe('ratings', 0, ratings(0, 0, [[1, 0], [100, 0], [1000, 0]]));
  // 100 more requests: 90 ok (60 under 1 ms, 30 between 100 ms and 1 s), 10 failed under 1 ms.
  window.observe('ratings', 5000, ratings(90, 10, [[1, 60], [100, 60], [1000, 90]]));
  const [edge] = window.rates(5000);
  assert.equal(edge!.requestsPerSecond, 20);
  assert.equal(edge!.errorsPerSecond, 2);
  assert.equal(edge!.errorRatio, 0.1);
  assert.deepEqual(edge!.responseCodes, { 200: 18, 503: 2 });
  // 99th of 100: rank 99 falls in (100, 1000] holding ranks 71–100 → 100 + 900 × 29/30.
  assert.equal(Math.round(edge!.p99Ms!), 970);
});

test('histogramQuantile interpolates inside the bucket and stops at the last finite bound', () => {
  assert.equal(histogramQuantile(0.5, new Map([[10, 50], [20, 100], [Infinity, 100]])), 10);
  assert.equal(histogramQuantile(0.75, new Map([[10, 50], [20, 100], [Infinity, 100]])), 15);
  assert.equal(histogramQuantile(0.99, new Map([[10, 50], [Infinity, 100]])), 10);
  assert.equal(histogramQuantile(0.99, new Map([[10, 0], [Infinity, 0]])), undefined);
});

test('the graph has every connected workload, quiet or not, and inbound totals per node', () => {
  const window = new TrafficWindow(10_000);
  window.observe('reviews-v2', 0, edgeSeriesFromText(faultAbort(0)));
  window.observe('reviews-v2', 2000, edgeSeriesFromText(faultAbort(8)));
  const graph = buildGraph(window.rates(2000), [
    { namespace: 'default', workload: 'reviews', version: 'v2', gateway: false },
    { namespace: 'default', workload: 'details', version: 'v1', gateway: false },
    { namespace: 'istio-system', workload: 'istio-ingressgateway', gateway: true },
  ], { at: new Date(2000).toISOString(), windowSeconds: 10, scraped: 3, scrapeErrors: [] });
  assert.deepEqual(graph.nodes.map((n) => `${n.label}:${n.kind}:${n.proxies}`).sort(), [
    'details-v1:workload:1',
    'istio-ingressgateway:gateway:1',
    'ratings:service:0',
    'reviews-v2:workload:1',
  ]);
  assert.equal(graph.edges.length, 1);
  const edge = graph.edges[0]!;
  assert.equal(edge.requestsPerSecond, 4);
  assert.equal(edge.errorRatio, 1);
  assert.equal(edge.mutualTlsRatio, null, 'nothing reached a destination proxy to say');
  assert.equal(graph.nodes.find((n) => n.label === 'ratings')!.errorRatioIn, 1);
});

test('layout puts callers left of callees, survives cycles, and keeps versions of one workload together', () => {
  const nodes = ['gw', 'productpage-v1', 'reviews-v1', 'reviews-v2', 'ratings-v1', 'details-v1'].map((id) => ({ id, label: id }));
  const edges = [
    { source: 'gw', target: 'productpage-v1' },
    { source: 'productpage-v1', target: 'details-v1' },
    { source: 'productpage-v1', target: 'reviews-v1' },
    { source: 'productpage-v1', target: 'reviews-v2' },
    { source: 'reviews-v2', target: 'ratings-v1' },
    { source: 'ratings-v1', target: 'productpage-v1' },
  ];
  const layout = layoutGraph({ nodes, edges });
  const rank = (id: string) => layout.nodes.get(id)!.rank;
  assert.deepEqual(['gw', 'productpage-v1', 'reviews-v2', 'ratings-v1'].map(rank), [0, 1, 2, 3]);
  assert.equal(rank('details-v1'), 2);
  const ys = ['details-v1', 'reviews-v1', 'reviews-v2'].map((id) => layout.nodes.get(id)!.y);
  assert.equal(new Set(ys).size, 3, 'no two nodes of a column overlap');
  for (const n of layout.nodes.values()) {
    assert.ok(n.x >= 0 && n.x < layout.width && n.y >= 0 && n.y < layout.height, JSON.stringify(n));
  }
});
