// What Mixer is configured with for every phase of the bench, and the attribute bags the load
// sends. One check rule reads one attribute (`source.principal`, through a `list` deny of one
// intruder), so every caller with the same principal shares one cached answer; one telemetry
// rule feeds a Prometheus counter with three dimensions, so Report does real adapter work.
import { stringify } from 'yaml';
import { Duration, type AttributeValue } from '../../src/mixer/index.js';

export type Bag = Record<string, AttributeValue>;

export const NAMESPACE = 'bench';
/** The principal every warm-cache call carries: one cache entry answers them all. */
export const CALLER = 'cluster.local/ns/bench/sa/productpage';
const INTRUDER = 'cluster.local/ns/bench/sa/intruder';

function resource(kind: string, name: string, spec: object): string {
  return stringify({ apiVersion: 'config.istio.io/v1alpha2', kind, metadata: { name, namespace: NAMESPACE }, spec });
}

/**
 * The list handler keeps the adapter's caching defaults (60 s, 10,000 uses): a warm cache still
 * goes to Mixer once every 10,000 calls per principal, as a real sidecar's would.
 */
export function policyYaml(): string {
  return [
    resource('handler', 'intruders', { compiledAdapter: 'list', params: { overrides: [INTRUDER], blacklist: true } }),
    resource('instance', 'caller', { compiledTemplate: 'listentry', params: { value: 'source.principal | "none"' } }),
    resource('rule', 'deny-intruders', { actions: [{ handler: 'intruders', instances: ['caller'] }] }),
    resource('handler', 'prom', { compiledAdapter: 'prometheus', params: { metrics: [{ name: 'bench_requests_total', instance_name: 'requestcount.instance.bench', kind: 'COUNTER', label_names: ['source_principal', 'destination_service', 'response_code'] }] } }),
    resource('instance', 'requestcount', { compiledTemplate: 'metric', params: { value: '1', dimensions: { source_principal: 'source.principal | "none"', destination_service: 'destination.service.host | "unknown"', response_code: 'response.code | 0' } } }),
    resource('rule', 'telemetry', { actions: [{ handler: 'prom', instances: ['requestcount'] }] }),
  ].join('---\n');
}

/** MeshConfig that turns the proxy's Mixer filter on: Check at `mixer`, Report at `report` ('' = no Reports). */
export function meshConfigYaml(mixer: string, report = mixer): string {
  return stringify({
    apiVersion: 'config.isthmus.dev/v1alpha1',
    kind: 'MeshConfig',
    metadata: { name: 'mesh', namespace: 'isthmus-system' },
    spec: { mixerCheckServer: mixer, mixerReportServer: report, policyCheckFailOpen: false },
  });
}

/** A request's bag as an inbound sidecar builds it (src/proxy/http/filters/mixer-attributes.ts). */
export function requestBag(principal: string, path = '/productpage'): Bag {
  return {
    'destination.service.host': 'reviews.bench.svc.cluster.local',
    'destination.service.name': 'reviews',
    'destination.service.namespace': NAMESPACE,
    'destination.workload.name': 'reviews-v1',
    'destination.labels': { app: 'reviews', version: 'v1' },
    'request.path': path,
    'request.url_path': path,
    'request.method': 'GET',
    'request.host': 'reviews.bench.svc.cluster.local',
    'request.scheme': 'http',
    'request.headers': { ':authority': 'reviews', 'user-agent': 'bench', accept: '*/*', 'x-request-id': '4b1c4c8e-bench' },
    'request.time': new Date(),
    'request.size': 0,
    'request.id': '4b1c4c8e-bench',
    'request.useragent': 'bench',
    'context.protocol': 'http',
    'context.reporter.kind': 'inbound',
    'source.ip': Uint8Array.from([127, 0, 0, 1]),
    'connection.mtls': true,
    'source.principal': principal,
    'source.namespace': NAMESPACE,
    'source.labels': { app: 'productpage', version: 'v1' },
  };
}

/** The bag a Report carries: the request's plus what the response said. */
export function reportBag(principal: string, i: number): Bag {
  return {
    ...requestBag(principal, `/reviews/${i % 50}`),
    'response.code': i % 20 === 0 ? 503 : 200,
    'response.headers': { 'content-type': 'application/json' },
    'response.size': 295,
    'response.time': new Date(),
    'response.duration': new Duration(1.5 + (i % 7)),
    'check.cache_hit': true,
  };
}
