// A finished proxy span, and its two wire forms: Zipkin v2 JSON (the body of POST /api/v2/spans,
// what Istio's Zipkin provider and Jaeger's Zipkin endpoint take) and OTLP/HTTP JSON (the body
// of POST /v1/traces). OTLP JSON writes ids as hex (not base64 as the generic protobuf JSON
// mapping would), enums as numbers and 64-bit times as decimal strings.

export type SpanKind = 'SERVER' | 'CLIENT';

export interface SpanEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch (may be fractional). */
  startTimeMs: number;
  durationMs: number;
  tags: Record<string, string>;
  localEndpoint: SpanEndpoint & { serviceName: string };
  remoteEndpoint?: SpanEndpoint;
  error: boolean;
}

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: SpanKind;
  timestamp: number;
  duration: number;
  localEndpoint: SpanEndpoint;
  remoteEndpoint?: SpanEndpoint;
  tags: Record<string, string>;
}

/** Zipkin v2: times in whole microseconds; a duration is at least 1 µs. */
export function zipkinJson(spans: readonly FinishedSpan[]): string {
  const out: ZipkinSpan[] = spans.map((s) => {
    const z: ZipkinSpan = {
      traceId: s.traceId,
      id: s.spanId,
      name: s.name,
      kind: s.kind,
      timestamp: Math.round(s.startTimeMs * 1000),
      duration: Math.max(1, Math.round(s.durationMs * 1000)),
      localEndpoint: s.localEndpoint,
      tags: s.error && s.tags.error === undefined ? { ...s.tags, error: 'true' } : s.tags,
    };
    if (s.parentSpanId) z.parentId = s.parentSpanId;
    if (s.remoteEndpoint) z.remoteEndpoint = s.remoteEndpoint;
    return z;
  });
  return JSON.stringify(out);
}

const OTLP_KIND: Record<SpanKind, number> = { SERVER: 2, CLIENT: 3 };
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

function nanos(ms: number): string {
  // Epoch nanoseconds exceed 2^53; go through whole microseconds in BigInt.
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function attributes(tags: Record<string, string>): Array<{ key: string; value: { stringValue: string } }> {
  return Object.entries(tags).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

/** One resourceSpans entry per service name (the resource's service.name), all under one scope. */
export function otlpJson(spans: readonly FinishedSpan[], resourceAttributes: Record<string, string> = {}): string {
  const byService = new Map<string, FinishedSpan[]>();
  for (const s of spans) {
    const list = byService.get(s.localEndpoint.serviceName);
    if (list) list.push(s);
    else byService.set(s.localEndpoint.serviceName, [s]);
  }
  const resourceSpans = [...byService].map(([service, list]) => ({
    resource: { attributes: attributes({ ...resourceAttributes, 'service.name': service }) },
    scopeSpans: [
      {
        scope: { name: 'isthmus-proxy' },
        spans: list.map((s) => {
          const span: Record<string, unknown> = {
            traceId: s.traceId,
            spanId: s.spanId,
            name: s.name,
            kind: OTLP_KIND[s.kind],
            startTimeUnixNano: nanos(s.startTimeMs),
            endTimeUnixNano: nanos(s.startTimeMs + s.durationMs),
            attributes: attributes(s.tags),
            status: { code: s.error ? STATUS_ERROR : STATUS_UNSET },
          };
          if (s.parentSpanId) span.parentSpanId = s.parentSpanId;
          return span;
        }),
      },
    ],
  }));
  return JSON.stringify({ resourceSpans });
}
