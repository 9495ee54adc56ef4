// Reconnect delays: exponential from `initialMs` up to `maxMs`, each drawn at random from the
// top `jitter` fraction below its ceiling so many proxies losing one control plane do not all
// come back in the same instant. Randomness and timers are injected so tests need not sleep.

// The control plane's unref'd timer pair serves here too: a pending reconnect alone must not
// keep the process alive.
export { systemTimers as REAL_TIMERS, type Timers } from '../../control/xds/timers.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0 = no jitter; 0.2 = each delay lies in [80%, 100%] of its ceiling. */
  jitter: number;
  /** Uniform in [0, 1). */
  random?: () => number;
}

/** Envoy's defaults for the xDS stream: 500 ms doubling to 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

export class InvalidBackoffError extends Error {
  readonly code = 'INVALID_BACKOFF';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBackoffError';
  }
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    if (!(opts.initialMs > 0)) throw new InvalidBackoffError(`backoff.initialMs must be positive, got ${opts.initialMs}`);
    if (!(opts.maxMs >= opts.initialMs)) throw new InvalidBackoffError(`backoff.maxMs (${opts.maxMs}) must be at least initialMs (${opts.initialMs})`);
    if (!(opts.jitter >= 0 && opts.jitter <= 1)) throw new InvalidBackoffError(`backoff.jitter must lie in [0, 1], got ${opts.jitter}`);
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; each call doubles the ceiling until maxMs. */
  next(): number {
    const ceiling = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** this.attempt);
    if (ceiling < this.opts.maxMs) this.attempt++;
    return ceiling * (1 - this.opts.jitter * this.random());
  }

  /** After a stream worked (it delivered a response), start again from initialMs. */
  reset(): void {
    this.attempt = 0;
  }
}
