// Coalesces snapshot updates that arrive close together into one push: the last snapshot wins,
// and the proxies to push are the union of what each update said it affects. The window is
// fixed from the first update (not restarted by each one), so a steady stream of changes still
// reaches proxies every `windowMs` instead of never.

import type { ProxyNode } from '../model/proxy.js';
import type { Clock, Timers } from './timers.js';

export type Affects = (proxy: ProxyNode) => boolean;

export interface PendingPush<S> {
  snapshot: S;
  /** undefined: every proxy. */
  affects: Affects | undefined;
  /** Resource types that may have changed; undefined: every type. */
  types: ReadonlySet<string> | undefined;
  /** When the first coalesced update arrived (for push latency). */
  since: number;
}

export class Debouncer<S> {
  private pending: { snapshot: S; predicates: Affects[] | undefined; types: Set<string> | undefined; since: number } | undefined;
  private timer: unknown;

  constructor(
    private readonly windowMs: number,
    private readonly timers: Timers,
    private readonly clock: Clock,
    private readonly flush: (push: PendingPush<S>) => void,
  ) {}

  add(snapshot: S, affects: Affects | undefined, types?: ReadonlySet<string>): void {
    if (this.pending) {
      this.pending.snapshot = snapshot;
      // Once any update affects everyone, the batch does; otherwise remember each predicate.
      if (this.pending.predicates && affects) this.pending.predicates.push(affects);
      else this.pending.predicates = undefined;
      // Likewise for types: the union, or every type once one update names none.
      if (this.pending.types && types) for (const t of types) this.pending.types.add(t);
      else this.pending.types = undefined;
    } else {
      this.pending = { snapshot, predicates: affects ? [affects] : undefined, types: types ? new Set(types) : undefined, since: this.clock() };
    }
    if (this.windowMs <= 0) {
      this.flushNow();
      return;
    }
    if (this.timer === undefined) this.timer = this.timers.setTimeout(() => this.flushNow(), this.windowMs);
  }

  /** Pushes what is pending now, if anything. */
  flushNow(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const predicates = pending.predicates;
    const affects: Affects | undefined =
      predicates === undefined ? undefined : predicates.length === 1 ? predicates[0] : (proxy) => predicates.some((p) => p(proxy));
    this.flush({ snapshot: pending.snapshot, affects, types: pending.types, since: pending.since });
  }

  /** Drops anything pending (server shutting down). */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
