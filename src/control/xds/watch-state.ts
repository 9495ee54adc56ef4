// What one stream has asked for and been sent, for one resource type: the subscription (names
// or wildcard), the nonces and versions in flight, the last ACKed version and the last NACK, and
// the per-resource hashes the client holds — so the server knows when it has something new.

export interface NackRecord {
  /** The version the client rejected. */
  version: string;
  nonce: string;
  message: string;
  /** ISO time the NACK arrived. */
  at: string;
}

export type Settlement = 'ack' | 'nack' | 'stale' | 'none';

/**
 * Resource names as one string object each, however many streams subscribe to them: every
 * request decodes its own copies, and a thousand sidecars naming a thousand clusters would
 * otherwise keep a million strings alive. Bounded; starts over if it grows past the limit.
 */
const internedNames = new Map<string, string>();
const MAX_INTERNED = 1_000_000;

function intern(name: string): string {
  const known = internedNames.get(name);
  if (known !== undefined) return known;
  if (internedNames.size >= MAX_INTERNED) internedNames.clear();
  internedNames.set(name, name);
  return name;
}

/** Older nonces than this many responses back are forgotten (a client ACKs every response). */
const MAX_IN_FLIGHT = 32;

export class TypeWatch {
  /** Explicitly subscribed names. */
  readonly names = new Set<string>();
  wildcard = false;
  /** Whether a request ever named resources; after that, an empty list means "nothing". */
  private namedEver = false;
  /** The next response must be sent even if nothing changed (first request, new names). */
  owed = true;
  /** Names subscribed since the last response (delta reports the missing ones as removed). */
  readonly fresh = new Set<string>();
  /** name → content hash of what the client holds (SotW: the last response's set). */
  sent = new Map<string, string>();

  lastNonce: string | undefined;
  sentVersion: string | null = null;
  ackedVersion: string | null = null;
  lastNack: NackRecord | null = null;
  private readonly inFlight = new Map<string, string>();
  private namesList: readonly string[] | undefined;
  /** The last SotW request's list, to skip re-reading a repeated one. */
  private lastRequested: readonly string[] | undefined;
  /** The resolved resource set the client was last brought up to date with (identity check). */
  heldSet: unknown;
  /** Fingerprint of that set (SotW Listener/Cluster): equal fingerprints mean nothing to send. */
  heldFingerprint: string | undefined;

  constructor(
    readonly typeUrl: string,
    /** LDS and CDS: an empty first request or "*" means everything that applies. */
    private readonly wildcardAllowed: boolean,
  ) {}

  /** `undefined` for wildcard (the generator decides), else the names asked for. */
  requestedNames(): readonly string[] | undefined {
    if (this.wildcard) return undefined;
    // One array per subscription state: callers key caches by its identity.
    this.namesList ??= Object.freeze([...this.names]);
    return this.namesList;
  }

  subscribed(): string[] | '*' {
    return this.wildcard ? '*' : [...this.names].sort();
  }

  /** SotW: each request carries the whole subscription. Returns whether it changed. */
  setSotwNames(requested: readonly string[]): boolean {
    // Most requests are ACKs repeating the last list; equal lists arrive as the same array.
    if (requested === this.lastRequested) return false;
    this.lastRequested = requested;
    const explicit = requested.filter((name) => name !== '*');
    let wildcard = false;
    if (this.wildcardAllowed) {
      if (requested.includes('*')) wildcard = true;
      else if (requested.length === 0) wildcard = !this.namedEver;
    }
    if (requested.length > 0) this.namedEver = true;
    const wanted = new Set(explicit); // a request may name something twice
    let changed = wildcard !== this.wildcard || wanted.size !== this.names.size;
    for (const name of wanted) {
      if (!this.names.has(name)) {
        changed = true;
        this.fresh.add(name);
      }
    }
    this.wildcard = wildcard;
    // Most requests are ACKs repeating the subscription: leave the set (and its cached list) be.
    if (!changed) return false;
    this.names.clear();
    for (const name of wanted) this.names.add(intern(name));
    // A shared request list that is exactly the subscription can serve as its list, so that
    // streams subscribing alike share one array (and the caches keyed by it).
    this.namesList = Object.isFrozen(requested) && explicit.length === requested.length && wanted.size === requested.length ? requested : undefined;
    this.owed = true;
    return true;
  }

  /** Delta: requests carry changes to the subscription. Returns whether names were added. */
  applyDelta(subscribe: readonly string[], unsubscribe: readonly string[], first: boolean): boolean {
    this.namesList = undefined;
    if (first && this.wildcardAllowed && subscribe.length === 0) this.wildcard = true;
    let added = false;
    for (const name of subscribe) {
      if (name === '*') {
        if (this.wildcardAllowed && !this.wildcard) added = this.wildcard = true;
        continue;
      }
      // A re-subscription must be answered with the resource even if the client had it; on
      // the first request the client's initial_resource_versions say what it holds.
      if (!first) this.sent.delete(name);
      this.names.add(intern(name));
      this.fresh.add(name);
      added = true;
    }
    for (const name of unsubscribe) {
      if (name === '*') {
        this.wildcard = false;
        continue;
      }
      this.names.delete(name);
      this.fresh.delete(name);
      if (!this.wildcard) this.sent.delete(name);
    }
    if (!this.wildcard) {
      // Resources only the wildcard covered are gone from the client's view once it is dropped.
      for (const name of [...this.sent.keys()]) if (!this.names.has(name)) this.sent.delete(name);
    }
    return added;
  }

  /** Delta reconnect: versions the client already holds, so unchanged ones are not resent. */
  seedVersions(versions: Readonly<Record<string, string>>): void {
    for (const [name, version] of Object.entries(versions)) this.sent.set(name, version);
  }

  recordSent(nonce: string, version: string): void {
    this.lastNonce = nonce;
    this.sentVersion = version;
    this.owed = false;
    this.fresh.clear();
    this.inFlight.set(nonce, version);
    if (this.inFlight.size > MAX_IN_FLIGHT) {
      const oldest = this.inFlight.keys().next().value;
      if (oldest !== undefined) this.inFlight.delete(oldest);
    }
  }

  /**
   * Reads a request's nonce and error: 'ack'/'nack' for a response still awaiting its answer,
   * 'none' for a request that answers nothing new (first request, or a re-request after the
   * latest response was already answered), 'stale' for a nonce older than the latest.
   */
  settle(nonce: string, error: { message?: string; code?: number } | null, at: string): Settlement {
    if (nonce === '') return 'none';
    const version = this.inFlight.get(nonce);
    if (version === undefined) return nonce === this.lastNonce ? 'none' : 'stale';
    // Answering a response answers every older one too.
    for (const key of [...this.inFlight.keys()]) {
      this.inFlight.delete(key);
      if (key === nonce) break;
    }
    if (error) {
      this.lastNack = { version, nonce, message: error.message || `error code ${error.code ?? 'unknown'}`, at };
      return 'nack';
    }
    this.ackedVersion = version;
    return 'ack';
  }
}
