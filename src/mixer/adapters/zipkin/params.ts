// zipkin: tracespan instances as Zipkin v2 spans, POSTed in batches to a Zipkin (or Jaeger's
// Zipkin-compatible) collector.
import { z } from 'zod';
import { duration, obj } from '../../../api/fields/common.js';

/** Zipkin's collector path, added to a URL that names only the host and port. */
export const ZIPKIN_SPANS_PATH = '/api/v2/spans';

export const zipkinParams = obj({
  /** The collector's v2 JSON endpoint, e.g. http://zipkin.istio-system:9411/api/v2/spans. */
  url: z.string().superRefine((text, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(text);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an http or https URL`, params: { hint: `use the collector's v2 endpoint, e.g. http://zipkin.istio-system:9411${ZIPKIN_SPANS_PATH}` } });
    }
  }),
  /** Fraction of traces sent, 0 to 1 (default 1); decided by trace id, so every span of a trace agrees. */
  sampleProbability: z.number().min(0).max(1).optional(),
  /** Spans per POST (default 100): a full batch is sent at once. */
  maxBatchSize: z.number().int().min(1).max(10_000).optional(),
  /** How long a partial batch waits before it is sent (default 1s). */
  flushInterval: duration({ minMs: 1, maxMs: 60_000 }).optional(),
  /** Service name of a span whose own side (destinationName, or sourceName for a client span) is empty (default "unknown"). */
  localServiceName: z.string().min(1).optional(),
});
export type ZipkinParams = z.output<typeof zipkinParams>;
