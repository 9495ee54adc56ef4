// The revision counter, the bounded event log and the watchers, shared by every in-process
// backend. Each change gets the next revision and exactly one event, so revisions are
// contiguous and the event for revision r sits at a fixed offset in the ring.
import type { Resource } from '../api/index.js';
import { CompactedError } from './errors.js';
import type { Subscription, WatchEvent, WatchEventType, WatchHandler } from './store.js';

export const DEFAULT_HISTORY_LIMIT = 10_000;

export interface HistoryOptions {
  /** How many recent events to keep for replay. */
  limit?: number;
  /** Revision of the state the log starts from; watching from before it is COMPACTED. */
  startRevision?: number;
}

export class History {
  readonly #limit: number;
  readonly #ring: (WatchEvent | undefined)[];
  #head = 0; // ring index of the oldest retained event
  #count = 0;
  #revision: number;
  readonly #watchers = new Set<Watcher>();

  constructor(opts: HistoryOptions = {}) {
    this.#limit = opts.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(this.#limit) || this.#limit < 1) throw new RangeError(`history limit must be a positive integer, got ${this.#limit}`);
    this.#ring = new Array<WatchEvent | undefined>(this.#limit);
    this.#revision = opts.startRevision ?? 0;
  }

  get revision(): number {
    return this.#revision;
  }

  /** Events up to and including this revision are no longer retained. */
  get compactedRevision(): number {
    return this.#revision - this.#count;
  }

  /** Records one change at the next revision, stamps the resource with it, and notifies watchers. */
  commit(type: WatchEventType, resource: Resource): WatchEvent {
    const revision = this.#revision + 1;
    const copy = structuredClone(resource);
    const stamped = deepFreeze({ ...copy, metadata: { ...copy.metadata, resourceVersion: String(revision) } });
    const event: WatchEvent = Object.freeze({ type, resource: stamped, revision });
    this.#revision = revision;
    this.#ring[(this.#head + this.#count) % this.#limit] = event;
    if (this.#count < this.#limit) this.#count++;
    else this.#head = (this.#head + 1) % this.#limit;
    for (const w of this.#watchers) w.push(event);
    return event;
  }

  watch(fromRevision: number, handler: WatchHandler, onError?: (err: unknown) => void): Subscription {
    if (!Number.isInteger(fromRevision) || fromRevision < 0) throw new RangeError(`watch revision must be a non-negative integer, got ${fromRevision}`);
    if (fromRevision < this.compactedRevision) throw new CompactedError(fromRevision, this.compactedRevision);
    const watcher = new Watcher(handler, onError, () => this.#watchers.delete(watcher));
    // Replay and registration happen in one synchronous step, so no commit can fall between.
    for (let r = fromRevision + 1; r <= this.#revision; r++) {
      watcher.push(this.#ring[(this.#head + (r - this.compactedRevision - 1)) % this.#limit] as WatchEvent);
    }
    this.#watchers.add(watcher);
    return watcher;
  }

  close(): void {
    for (const w of [...this.#watchers]) w.close();
  }
}

/** One subscriber: its own queue, drained asynchronously so a handler never runs inside a commit. */
class Watcher implements Subscription {
  #queue: WatchEvent[] = [];
  #next = 0;
  #draining = false;
  #closed = false;

  constructor(
    private readonly handler: WatchHandler,
    private readonly onError: ((err: unknown) => void) | undefined,
    private readonly onClose: () => void,
  ) {}

  push(event: WatchEvent): void {
    if (this.#closed) return;
    this.#queue.push(event);
    if (!this.#draining) {
      this.#draining = true;
      queueMicrotask(() => void this.#drain());
    }
  }

  async #drain(): Promise<void> {
    while (!this.#closed && this.#next < this.#queue.length) {
      const event = this.#queue[this.#next++] as WatchEvent;
      if (this.#next > 1024 && this.#next * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#next); // drop delivered events without O(n) shifts
        this.#next = 0;
      }
      try {
        await this.handler(event);
      } catch (err) {
        if (this.onError) this.onError(err);
        else process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'ConfigStoreWatchHandler');
      }
    }
    this.#draining = false;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.onClose();
  }
}

/** Stored resources are shared by every reader and watcher; freezing keeps one from changing another's. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
