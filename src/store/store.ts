// The one contract every config store backend keeps (memory, file; etcd and Kubernetes later),
// modelled on etcd and the Kubernetes API: a revision per change, optimistic concurrency by
// resourceVersion, and a watch that replays from a revision so no change is missed or doubled.
import type { ConfigError, Resource } from '../api/index.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** The resource after the change; for DELETED, its last state. Stamped with `revision`. */
  resource: Resource;
  /** The store revision of this change. */
  revision: number;
}

/** May return a promise: the next event is delivered after it settles (backpressure). */
export type WatchHandler = (event: WatchEvent) => void | Promise<void>;

export interface Subscription {
  close(): void;
}

export interface ListFilter {
  kind?: string;
  namespace?: string;
}

export interface ApplyOptions {
  /** Validate and check the resourceVersion, but store nothing; returns what would be stored. */
  dryRun?: boolean;
}

export interface DeleteOptions {
  /** When set, delete only if the stored resourceVersion equals it (else ConflictError). */
  resourceVersion?: string;
}

/**
 * Reads are synchronous: every backend serves them from its own consistent cache (as an
 * informer does), and writes resolve only after that cache holds their result.
 * Resources handed out are frozen; copy one before changing it.
 */
export interface ConfigStore {
  /** All resources, optionally of one kind and/or namespace, ordered by `Kind/namespace/name`. */
  list(filter?: ListFilter): Resource[];
  get(kind: string, namespace: string, name: string): Resource | undefined;
  /**
   * Creates or updates. With `metadata.resourceVersion` set, the write happens only if it equals
   * the stored one (ConflictError otherwise, also when the resource does not exist); without it
   * the write is unconditional, as `kubectl apply`. Invalid input → ValidationError, nothing
   * stored. Applying what is already stored changes nothing and emits no event.
   */
  apply(resource: Resource | Record<string, unknown>, opts?: ApplyOptions): Promise<Resource>;
  /** NotFoundError when absent; ConflictError when `opts.resourceVersion` does not match. */
  delete(kind: string, namespace: string, name: string, opts?: DeleteOptions): Promise<void>;
  /**
   * Delivers every change after `fromRevision` exactly once, in revision order: first those
   * still in history, then live ones. Throws CompactedError if `fromRevision` is older than the
   * retained history. Handler errors go to `onError` (default: a process warning); delivery goes on.
   */
  watch(fromRevision: number, handler: WatchHandler, onError?: (err: unknown) => void): Subscription;
  /** The revision of the latest change (0 for an empty, fresh store). */
  revision(): number;
  /** Problems in the backing source that the store skipped (the file backend's bad files). */
  errors(): readonly ConfigError[];
  /** Called with the new list whenever `errors()` changes. */
  onErrors(listener: (errors: readonly ConfigError[]) => void): Subscription;
  /** Stops watches and background work; later calls fail with StoreClosedError. */
  close(): Promise<void>;
}
