// zipkin: every tracespan instance becomes a Zipkin v2 span, sampled by trace id and sent in
// batches; Report never waits for the collector. What happened to each instance is counted on
// Mixer's /metrics as isthmus_mixer_zipkin_spans_total{handler, outcome}.
import { Counter, type Registry } from 'prom-client';
import { parseDuration } from '../../../api/fields/duration.js';
import type { TraceSpanFields } from '../../templates/tracespan.js';
import type { Adapter, AdapterEnv, Instance } from '../adapter.js';
import { ZIPKIN_SPANS_PATH, type ZipkinParams } from './params.js';
import { SpanSender } from './sender.js';
import { toZipkinSpan, traceSampled } from './span.js';

export const SPANS_METRIC = 'isthmus_mixer_zipkin_spans_total';

/** sent, not_sampled, and the reasons a span was dropped (invalid_trace_id, invalid_span_id, queue_full, rejected, send_failed). */
export type SpanOutcome = 'sent' | 'not_sampled' | 'invalid_trace_id' | 'invalid_span_id' | 'queue_full' | 'rejected' | 'send_failed';

export function createZipkin(p: ZipkinParams, env: AdapterEnv): Adapter {
  const spans = spansCounter(env.registry);
  const count = (outcome: SpanOutcome, n = 1) => spans.inc({ handler: env.handler, outcome }, n);
  const probability = p.sampleProbability ?? 1;
  const localServiceName = p.localServiceName ?? 'unknown';
  const sender = new SpanSender({
    url: collectorUrl(p.url),
    maxBatchSize: p.maxBatchSize ?? 100,
    flushIntervalMs: p.flushInterval === undefined ? 1000 : (parseDuration(p.flushInterval) as number),
    onSent: (n) => count('sent', n),
    onDropped: (reason, n) => count(reason, n),
    log: (line) => env.log(`${env.handler}: ${line}`),
  });
  return {
    report(instances: readonly Instance[]) {
      for (const i of instances) {
        // The template makes ids and times required and type-checks every field at config load.
        const r = toZipkinSpan(i.fields as unknown as TraceSpanFields, { localServiceName });
        if (!r.ok) count(r.reason);
        else if (!traceSampled(r.span.traceId, probability)) count('not_sampled');
        else sender.add(r.span);
      }
    },
    close: () => sender.close(),
  };
}

/** Istio writes a Zipkin address as host:port; a URL without a path gets the collector's. */
export function collectorUrl(text: string): string {
  const u = new URL(text);
  if (u.pathname === '/' || u.pathname === '') u.pathname = ZIPKIN_SPANS_PATH;
  return u.toString();
}

/** One counter in Mixer's registry for every zipkin handler; a rebuilt handler keeps counting on it. */
function spansCounter(registry: Registry): Counter<'handler' | 'outcome'> {
  const existing = registry.getSingleMetric(SPANS_METRIC);
  if (existing instanceof Counter) return existing as Counter<'handler' | 'outcome'>;
  return new Counter({ name: SPANS_METRIC, help: 'tracespan instances handled by zipkin adapters, by outcome (sent, not_sampled, or why dropped)', labelNames: ['handler', 'outcome'], registers: [registry] });
}
