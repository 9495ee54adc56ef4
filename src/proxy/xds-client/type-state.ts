// What the client holds for one resource type, whichever protocol variant delivers it: the
// subscription, the last accepted version and resources, and (incremental xDS) each resource's
// own version. It outlives streams: a reconnect asks again from it, and keeps serving it meanwhile.
import type { AnyResource, Decoded } from './fields.js';

/** What a subscription change adds and drops (the incremental variant sends exactly this). */
export interface SubscriptionChange {
  added: string[];
  removed: string[];
}

/** One resource of an incremental response: its name and version as the server put them. */
export interface DeltaEntry {
  name: string;
  version: string;
  /** Absent in a TTL heartbeat, which only says "still valid at this version". */
  resource: AnyResource | null;
}

/** A decoded, accepted incremental response, ready to apply. */
export interface DeltaUpdate<T> {
  updated: Map<string, { value: T; version: string }>;
  removed: string[];
}

export class TypeState<T> {
  /** undefined = wildcard (LDS and CDS). */
  names: string[] | undefined;
  /** The last accepted response's version ('' before any): version_info, or system_version_info. */
  version = '';
  resources = new Map<string, T>();
  /** Incremental: the version of each resource held, sent back in initial_resource_versions. */
  readonly resourceVersions = new Map<string, string>();

  constructor(
    readonly typeUrl: string,
    readonly label: string,
    readonly decode: (any: AnyResource) => Decoded<T>,
    wildcard: boolean,
  ) {
    this.names = wildcard ? undefined : [];
  }

  get wildcard(): boolean {
    return this.names === undefined;
  }

  /** Whether the client wants this resource (resources it did not ask for are ignored, as Envoy does). */
  wants(name: string): boolean {
    return this.names === undefined || this.names.includes(name);
  }

  /**
   * Decodes a whole state-of-the-world response: every resource valid, or every reason it was
   * not (a response is accepted all or nothing).
   */
  decodeAll(resources: readonly AnyResource[]): { accepted: Map<string, T> } | { errors: string[] } {
    const accepted = new Map<string, T>();
    const errors: string[] = [];
    const wanted = this.names === undefined ? undefined : new Set(this.names);
    resources.forEach((any, i) => {
      const result = this.decode(any);
      if ('error' in result) {
        errors.push(result.name === '' ? `resource #${i}: ${result.error}` : result.error);
        return;
      }
      if (wanted && !wanted.has(result.name)) return;
      if (accepted.has(result.name)) {
        errors.push(`${this.label} "${result.name}" appears twice in one response`);
        return;
      }
      accepted.set(result.name, result.value);
    });
    return errors.length > 0 ? { errors } : { accepted };
  }

  /**
   * Decodes a whole incremental response, all or nothing like the other variant: each entry's
   * resource must be valid and carry the name the entry gives it.
   */
  decodeDelta(entries: readonly DeltaEntry[], removed: readonly string[]): { accepted: DeltaUpdate<T> } | { errors: string[] } {
    const updated = new Map<string, { value: T; version: string }>();
    const errors: string[] = [];
    const gone = new Set(removed);
    entries.forEach((entry, i) => {
      const label = entry.name === '' ? `resource #${i}` : `${this.label} "${entry.name}"`;
      if (entry.name === '') {
        errors.push(`${label}: the Resource has no name`);
        return;
      }
      if (updated.has(entry.name)) errors.push(`${label} appears twice in one response`);
      if (gone.has(entry.name)) errors.push(`${label} is both updated and removed in one response`);
      if (!entry.resource) {
        // A heartbeat for what the client holds at that version keeps it; anything else is empty.
        const held = this.resources.get(entry.name);
        if (held !== undefined && this.resourceVersions.get(entry.name) === entry.version) updated.set(entry.name, { value: held, version: entry.version });
        else if (this.wants(entry.name)) errors.push(`${label} carries no resource`);
        return;
      }
      const result = this.decode(entry.resource);
      if ('error' in result) {
        errors.push(result.name === '' ? `${label}: ${result.error}` : result.error);
        return;
      }
      if (result.name !== entry.name) {
        errors.push(`${label}: the resource inside is named "${result.name}"`);
        return;
      }
      if (this.wants(entry.name)) updated.set(entry.name, { value: result.value, version: entry.version });
    });
    if (errors.length > 0) return { errors };
    return { accepted: { updated, removed: removed.filter((name) => this.resources.has(name)) } };
  }

  /**
   * Takes an accepted state-of-the-world response in: LDS and CDS responses carry the whole
   * set; EDS and RDS ones may carry only some of the subscribed names, the others keep what
   * they had.
   */
  apply(version: string, accepted: Map<string, T>): void {
    this.version = version;
    if (this.names === undefined) {
      this.resources = accepted;
      return;
    }
    const merged = new Map(this.resources);
    for (const [name, value] of accepted) merged.set(name, value);
    this.resources = merged;
  }

  /** Takes an accepted incremental response in: updates and removals, each with its version. */
  applyDelta(version: string, update: DeltaUpdate<T>): void {
    this.version = version;
    const next = new Map(this.resources);
    for (const name of update.removed) {
      next.delete(name);
      this.resourceVersions.delete(name);
    }
    for (const [name, { value, version: v }] of update.updated) {
      next.set(name, value);
      this.resourceVersions.set(name, v);
    }
    this.resources = next;
  }

  /** Drops resources outside the response that carried the rest (a late-applied removal). */
  drop(names: readonly string[]): void {
    const present = names.filter((name) => this.resources.has(name));
    if (present.length === 0) return;
    const next = new Map(this.resources);
    for (const name of present) {
      next.delete(name);
      this.resourceVersions.delete(name);
    }
    this.resources = next;
  }

  /**
   * Changes a named subscription; drops what is no longer wanted. Returns what changed, or
   * undefined when nothing did.
   */
  resubscribe(names: readonly string[]): SubscriptionChange | undefined {
    const sorted = [...new Set(names)].sort();
    const current = this.names ?? [];
    if (sorted.length === current.length && sorted.every((n, i) => n === current[i])) return undefined;
    const before = new Set(current);
    const keep = new Set(sorted);
    this.names = sorted;
    this.resources = new Map([...this.resources].filter(([name]) => keep.has(name)));
    for (const name of [...this.resourceVersions.keys()]) if (!keep.has(name)) this.resourceVersions.delete(name);
    return { added: sorted.filter((n) => !before.has(n)), removed: current.filter((n) => !keep.has(n)) };
  }
}
