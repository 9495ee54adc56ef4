// One proxy's scrape as the graph counts it: istio_requests_total and the duration histogram,
// grouped into series that each belong to one edge (source node → destination node).
//
// Which side reports an edge: the destination's proxy (reporter="destination"), as Kiali does,
// because only it knows the real destination workload and whether the hop was mutual TLS. The
// source's side counts too, but only for requests that never reached a destination proxy — a
// fault-injection abort, no healthy upstream, a connection failure, no route — which would
// otherwise vanish from the graph exactly when something is wrong.
import { parsePrometheusText, type Sample } from './prometheus-text.js';
import { looksLikeGateway, serviceOfDestination, workloadRef, type NodeRef } from './workload-ref.js';

export const REQUESTS_TOTAL = 'istio_requests_total';
export const DURATION_BUCKET = 'istio_request_duration_milliseconds_bucket';
const FAMILIES: ReadonlySet<string> = new Set([REQUESTS_TOTAL, DURATION_BUCKET]);

/**
 * Envoy response flags for a reply the source proxy made itself, without the request reaching
 * the destination: FI fault abort, UH no healthy upstream, UF upstream connection failure,
 * UO overflow (circuit breaker), NR no route, NC no cluster, RL local rate limit, UAEX external
 * authorization denied. (DI, a fault delay, still reaches the destination.)
 */
const LOCAL_REPLY_FLAGS: ReadonlySet<string> = new Set(['FI', 'UH', 'UF', 'UO', 'NR', 'NC', 'RL', 'UAEX']);

/** Counters of one label set (all labels but `le`), as the proxy reported them: cumulative. */
export interface EdgeSeries {
  source: NodeRef;
  target: NodeRef;
  responseCode: string;
  /** Reported by the destination's proxy: the request reached the workload. */
  reached: boolean;
  mutualTls: boolean;
  requests: number;
  /** Cumulative bucket counts by upper bound (ms), +Inf included. */
  buckets: Map<number, number>;
}

export function edgeSeriesFromText(text: string): Map<string, EdgeSeries> {
  return edgeSeries(parsePrometheusText(text, FAMILIES));
}

export function edgeSeries(samples: readonly Sample[]): Map<string, EdgeSeries> {
  const out = new Map<string, EdgeSeries>();
  // Counters first, so a histogram line always finds the series it belongs to.
  for (const s of samples) {
    if (s.name !== REQUESTS_TOTAL) continue;
    const edge = edgeOf(s.labels);
    if (!edge) continue;
    out.set(seriesKey(s.labels), { ...edge, requests: s.value, buckets: new Map() });
  }
  for (const s of samples) {
    if (s.name !== DURATION_BUCKET) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le)) continue;
    out.get(seriesKey(s.labels))?.buckets.set(le, s.value);
  }
  return out;
}

function edgeOf(l: Record<string, string>): Omit<EdgeSeries, 'requests' | 'buckets'> | undefined {
  const reached = l.reporter === 'destination';
  const flags = (l.response_flags ?? '-').split(',');
  if (!reached && (l.reporter !== 'source' || !flags.some((f) => LOCAL_REPLY_FLAGS.has(f)))) return undefined;
  const sourceWorkload = l.source_workload ?? 'unknown';
  const sourceNamespace = l.source_workload_namespace || 'unknown';
  const source = workloadRef(sourceNamespace, sourceWorkload, l.source_version, looksLikeGateway(sourceWorkload));
  let target: NodeRef | undefined;
  if (l.destination_workload && l.destination_workload !== 'unknown') {
    target = workloadRef(l.destination_workload_namespace || sourceNamespace, l.destination_workload, l.destination_version, looksLikeGateway(l.destination_workload));
  } else {
    target = serviceOfDestination(l.destination_service_name || l.destination_service || '', l.destination_service_namespace, sourceNamespace);
  }
  if (!target) return undefined;
  return { source, target, responseCode: l.response_code ?? '', reached, mutualTls: l.connection_security_policy === 'mutual_tls' };
}

function seriesKey(labels: Record<string, string>): string {
  return Object.keys(labels).filter((k) => k !== 'le').sort().map((k) => `${k}=${labels[k]}`).join('\u0000');
}
