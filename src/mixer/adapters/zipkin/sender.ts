// Batches spans and POSTs them to the collector, off Report's path: add() only queues. A batch
// goes out when it is full or when flushInterval has passed since its first span; a batch the
// collector refuses (4xx) is dropped at once, one that fails (5xx, connection) is tried once more.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { ZipkinSpan } from './span.js';

/** Why spans left the queue without reaching the collector. */
export type SendFailure = 'queue_full' | 'rejected' | 'send_failed';

export interface SpanSenderOptions {
  url: string;
  maxBatchSize: number;
  flushIntervalMs: number;
  onSent(count: number): void;
  onDropped(reason: SendFailure, count: number): void;
  log(line: string): void;
}

/** POSTs at once per collector: more would only queue inside the connection pool. */
const MAX_IN_FLIGHT = 2;
/** Spans held while the collector is slow or down, in batches; beyond that new spans are dropped. */
const MAX_QUEUED_BATCHES = 20;
const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 500;

export class SpanSender {
  readonly #o: SpanSenderOptions;
  readonly #agent: Agent;
  #queue: ZipkinSpan[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();
  #closing = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(o: SpanSenderOptions) {
    this.#o = o;
    this.#agent = new Agent({ connections: MAX_IN_FLIGHT, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS, connectTimeout: REQUEST_TIMEOUT_MS });
  }

  add(span: ZipkinSpan): void {
    if (this.#closing.signal.aborted) return;
    if (this.#queue.length >= this.#o.maxBatchSize * MAX_QUEUED_BATCHES) {
      this.#o.onDropped('queue_full', 1);
      return;
    }
    this.#queue.push(span);
    this.#pump();
  }

  /** Sends what is queued and waits for every POST to finish; nothing is accepted afterwards. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) this.#send(this.#queue.splice(0, this.#o.maxBatchSize));
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    await this.#agent.close();
  }

  /** Sends full batches while there is room; leaves a partial batch to the timer. */
  #pump(): void {
    while (this.#queue.length >= this.#o.maxBatchSize && this.#inFlight.size < MAX_IN_FLIGHT) {
      this.#send(this.#queue.splice(0, this.#o.maxBatchSize));
    }
    if (this.#queue.length > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#inFlight.size < MAX_IN_FLIGHT && this.#queue.length > 0) this.#send(this.#queue.splice(0, this.#o.maxBatchSize));
        this.#pump();
      }, this.#o.flushIntervalMs);
      // Queued spans must not keep Mixer alive on their own; close() sends them on shutdown.
      this.#timer.unref();
    }
  }

  #send(batch: ZipkinSpan[]): void {
    const p = this.#post(batch).catch((e: Error) => this.#o.log(`zipkin ${this.#o.url}: ${e.message}`)).finally(() => {
      this.#inFlight.delete(p);
      if (!this.#closing.signal.aborted) this.#pump();
    });
    this.#inFlight.add(p);
  }

  async #post(batch: ZipkinSpan[]): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const res = await request(this.#o.url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: this.#agent });
        if (res.statusCode < 300) {
          await res.body.dump();
          this.#o.onSent(batch.length);
          return;
        }
        const text = (await res.body.text()).slice(0, 200);
        if (res.statusCode < 500) {
          // The collector read the spans and said no: sending them again would get the same answer.
          this.#o.log(`zipkin ${this.#o.url}: dropped ${batch.length} span(s): HTTP ${res.statusCode} ${text.trim()}`);
          this.#o.onDropped('rejected', batch.length);
          return;
        }
        failure = `HTTP ${res.statusCode} ${text.trim()}`;
      } catch (e) {
        failure = (e as Error).message;
      }
      if (attempt >= 2) {
        this.#o.log(`zipkin ${this.#o.url}: dropped ${batch.length} span(s) after ${attempt} attempts: ${failure}`);
        this.#o.onDropped('send_failed', batch.length);
        return;
      }
      // A shutdown does not wait out the pause: it retries at once.
      await sleep(RETRY_DELAY_MS, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    }
  }
}
