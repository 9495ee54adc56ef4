// Ships finished spans to a collector in batches, off the request path: `export` only appends to
// a bounded queue (a full queue drops the span and counts it — tracing must never slow or stall
// traffic); a batch goes out when it is full or when the flush interval passes, one POST at a
// time, and close() sends whatever is left. Collector failures are counted, never thrown.
import http from 'node:http';
import https from 'node:https';
import { otlpJson, zipkinJson, type FinishedSpan } from './span-encoding.js';

export interface SpanSink {
  export(span: FinishedSpan): void;
}

export type SpanWireFormat = 'zipkin' | 'otlp';

export interface SpanExporterOptions {
  format: SpanWireFormat;
  /** Collector URL, e.g. `http://zipkin.istio-system:9411/api/v2/spans` or `http://otel-collector:4318/v1/traces`. */
  endpoint: string;
  /** Spans per POST (default 512, the OpenTelemetry batch processor's). */
  maxBatchSize?: number;
  /** Longest a span waits before its batch is sent (default 5000 ms). */
  flushIntervalMs?: number;
  /** Spans held while waiting (default 2048); beyond this new spans are dropped. */
  maxQueueSize?: number;
  /** Per-POST timeout (default 10000 ms). */
  timeoutMs?: number;
  /** Extra request headers (authorization, …). */
  headers?: Record<string, string>;
  /** OTLP resource attributes added to every resource (service.name comes from each span). */
  resourceAttributes?: Record<string, string>;
}

export interface SpanExporterStats {
  /** Spans the collector accepted (2xx). */
  exported: number;
  /** Spans dropped because the queue was full. */
  dropped: number;
  /** Spans in batches the collector refused or that could not be delivered. */
  failed: number;
  /** POSTs made. */
  batches: number;
}

/** The collector path each format uses when the endpoint URL has none. */
export const DEFAULT_COLLECTOR_PATH: Record<SpanWireFormat, string> = { zipkin: '/api/v2/spans', otlp: '/v1/traces' };

export class SpanExporter implements SpanSink {
  readonly stats: SpanExporterStats = { exported: 0, dropped: 0, failed: 0, batches: 0 };
  private queue: FinishedSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueueSize: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: SpanExporterOptions) {
    this.url = new URL(options.endpoint);
    if (this.url.pathname === '/' || this.url.pathname === '') this.url.pathname = DEFAULT_COLLECTOR_PATH[options.format];
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`span collector endpoint must be http(s): ${options.endpoint}`);
    }
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 512);
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.maxQueueSize = Math.max(this.maxBatchSize, options.maxQueueSize ?? 2048);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Queues a span. Never blocks, never throws. */
  export(span: FinishedSpan): void {
    if (this.closed || this.queue.length >= this.maxQueueSize) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.maxBatchSize) {
      this.kick();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick(true);
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Sends everything queued now; resolves when it has been delivered (or failed). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.sending || this.queue.length > 0) {
      if (!this.sending) this.kick(true);
      await this.sending;
    }
  }

  /** Stops accepting spans, sends what is left, and releases the connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.agent.destroy();
  }

  /** Starts the send loop unless one is running. `partial`: send a batch even if it is not full. */
  private kick(partial = false): void {
    if (this.sending) return;
    this.sending = this.sendLoop(partial).finally(() => {
      this.sending = undefined;
      // Spans that arrived during the last POST and were not a full batch wait for the timer.
      if (this.queue.length > 0 && !this.timer) {
        if (this.queue.length >= this.maxBatchSize) {
          this.kick();
        } else {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.kick(true);
          }, this.flushIntervalMs);
          this.timer.unref();
        }
      }
    });
  }

  private async sendLoop(partial: boolean): Promise<void> {
    while (this.queue.length >= this.maxBatchSize || (partial && this.queue.length > 0)) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      partial = partial && this.queue.length > 0;
      await this.post(batch);
    }
  }

  private post(batch: FinishedSpan[]): Promise<void> {
    const body = this.options.format === 'zipkin' ? zipkinJson(batch) : otlpJson(batch, this.options.resourceAttributes);
    this.stats.batches++;
    const send = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        if (ok) this.stats.exported += batch.length;
        else this.stats.failed += batch.length;
        resolve();
      };
      const req = send(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            ...this.options.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
          res.on('error', () => done(false));
        },
      );
      req.on('timeout', () => req.destroy(new Error('span export timed out')));
      req.on('error', () => done(false));
      req.end(body);
    });
  }
}
