// Report batching: attribute bags wait in a batch that is sent when it reaches `maxEntries`, when
// `flushIntervalMs` passes, and on close. A failed send is dropped with a log line rather than
// retried: telemetry must never pile up in a proxy that cannot reach Mixer.
import type { Bag } from './check-cache.js';

export interface ReportBatchOptions {
  maxEntries?: number;
  flushIntervalMs?: number;
  send(bags: Bag[]): Promise<void>;
  onError?(err: Error, dropped: number): void;
}

export class ReportBatch {
  #bags: Bag[] = [];
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
    return this.#bags.length;
  }

  add(bag: Bag): void {
    if (this.#closed) return;
    this.#bags.push(bag);
    if (this.#bags.length >= this.#max) {
      this.flush();
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
      // A pending batch never keeps a process alive that is otherwise done.
      this.#timer.unref();
    }
  }

  /** Sends what is waiting now; resolves when every send in flight has finished. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#bags.length > 0) {
      const bags = this.#bags;
      this.#bags = [];
      const sent: Promise<void> = this.opts.send(bags).catch((err: Error) => this.opts.onError?.(err, bags.length)).finally(() => this.#inFlight.delete(sent));
      this.#inFlight.add(sent);
    }
    return Promise.all([...this.#inFlight]).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
