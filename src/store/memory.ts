// The in-memory backend: a map, the shared history and nothing else. For tests and for
// embedding a control plane whose config arrives by API; everything is lost on exit.
import { resourceKey, type ConfigError, type Resource } from '../api/index.js';
import { NotFoundError, StoreClosedError } from './errors.js';
import { History } from './history.js';
import { byKey, checkPrecondition, keyOf, matches, sameContent, validateForStore } from './rules.js';
import type { ApplyOptions, ConfigStore, DeleteOptions, ListFilter, Subscription, WatchHandler } from './store.js';

export interface MemoryStoreOptions {
  /** Events kept for watch replay (default 10,000). */
  historyLimit?: number;
}

export class MemoryStore implements ConfigStore {
  readonly #resources = new Map<string, Resource>();
  readonly #history: History;
  #closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#history = new History({ limit: opts.historyLimit });
  }

  list(filter?: ListFilter): Resource[] {
    return [...this.#resources.values()].filter((r) => matches(r, filter)).sort(byKey);
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.#resources.get(keyOf(kind, namespace, name));
  }

  // Async only to keep the interface's contract; every step runs in one turn, so concurrent
  // calls are serialised by the event loop itself.
  async apply(input: Resource | Record<string, unknown>, opts: ApplyOptions = {}): Promise<Resource> {
    this.#assertOpen();
    const resource = validateForStore(input);
    const key = resourceKey(resource);
    const stored = this.#resources.get(key);
    checkPrecondition(key, resource.metadata.resourceVersion, stored);
    if (stored && sameContent(stored, resource)) return stored;
    if (opts.dryRun) return resource;
    const event = this.#history.commit(stored ? 'MODIFIED' : 'ADDED', resource);
    this.#resources.set(key, event.resource);
    return event.resource;
  }

  async delete(kind: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    this.#assertOpen();
    const key = keyOf(kind, namespace, name);
    const stored = this.#resources.get(key);
    if (!stored) throw new NotFoundError(key);
    checkPrecondition(key, opts.resourceVersion, stored);
    this.#resources.delete(key);
    this.#history.commit('DELETED', stored);
  }

  watch(fromRevision: number, handler: WatchHandler, onError?: (err: unknown) => void): Subscription {
    this.#assertOpen();
    return this.#history.watch(fromRevision, handler, onError);
  }

  revision(): number {
    return this.#history.revision;
  }

  errors(): readonly ConfigError[] {
    return [];
  }

  onErrors(): Subscription {
    return { close: () => {} }; // nothing here can go bad
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#history.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }
}
