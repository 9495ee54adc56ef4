// What the client holds for one resource type: the subscription, the last accepted version and
// resources, and the latest nonce the current stream delivered (a request must echo it, or the
// server takes the request for a stale one).
import type { Decoded } from './fields.js';
import type { AnyResource } from './fields.js';

export class TypeState<T> {
  /** undefined = wildcard (LDS and CDS). */
  names: string[] | undefined;
  /** The last version ACKed; '' before any. */
  version = '';
  /** The latest nonce on the current stream; '' before any. */
  nonce = '';
  /** Whether the current stream has asked for this type yet. */
  requested = false;
  resources = new Map<string, T>();

  constructor(
    readonly typeUrl: string,
    readonly label: string,
    readonly decode: (any: AnyResource) => Decoded<T>,
    wildcard: boolean,
  ) {
    this.names = wildcard ? undefined : [];
  }

  /**
   * Decodes a whole response: every resource valid, or every reason it was not (a response is
   * accepted all or nothing). Resources the client did not ask for are ignored, as Envoy does.
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
   * Takes an accepted response in: LDS and CDS responses carry the whole set; EDS and RDS ones
   * may carry only some of the subscribed names, the others keep what they had.
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

  /** Changes a named subscription; drops what is no longer wanted. Returns whether it changed. */
  resubscribe(names: readonly string[]): boolean {
    const sorted = [...new Set(names)].sort();
    const current = this.names ?? [];
    if (sorted.length === current.length && sorted.every((n, i) => n === current[i])) return false;
    this.names = sorted;
    const keep = new Set(sorted);
    const pruned = new Map([...this.resources].filter(([name]) => keep.has(name)));
    this.resources = pruned;
    return true;
  }
}
