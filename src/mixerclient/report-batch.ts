// Report batching: attribute bags wait in a batch that is sent when it reaches `maxEntries`, when
// `flushIntervalMs` passes, and on close. Each bag is encoded into the batch's compressed
// ReportRequest as it is added (report-encoder.ts), so a waiting batch holds bytes, not bags.
// A failed send is dropped with a log line rather than retried: telemetry must never pile up in
// a proxy that cannot reach Mixer.
import type { Bag } from './check-cache.js';
import { CompressedReportEncoder, type AttributeSource } from './report-encoder.js';

export interface ReportBatchOptions {
  maxEntries?: number;
  flushIntervalMs?: number;
  /** Sends one encoded ReportRequest holding `bags` bags. */
  send(request: Buffer, bags: number): Promise<void>;
  onError?(err: Error, dropped: number): void;
}

export class ReportBatch {
  #encoder = new CompressedReportEncoder();
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #max: number;
  readonly #intervalMs: number;
  #closed = false;

  constructor(private readonly opts: ReportBatchOptions) {
    this.#max = Math.max(1, opts.maxEntries ?? 1000);
    this.#intervalMs = opts.flushIntervalMs ?? 1000;
  }

  get pending(): number {
    return this.#encoder.count;
  }

  add(bag: Bag | AttributeSource): void {
    if (this.#closed) return;
    this.#encoder.add(bag);
    if (this.#encoder.count >= this.#max) {
      void this.flush();
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
      // A pending batch never keeps a process alive that is otherwise done.
      this.#timer.unref();
    }
  }

  /** Sends what is waiting now; resolves when every send in flight has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const count = this.#encoder.count;
    if (count > 0) {
      const request = this.#encoder.finish();
      this.#encoder = new CompressedReportEncoder();
      const sent: Promise<void> = this.opts.send(request, count).catch((err: Error) => this.opts.onError?.(err, count)).finally(() => this.#inFlight.delete(sent));
      this.#inFlight.add(sent);
    }
    return Promise.all([...this.#inFlight]).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
