// Quota prefetch: a local pool of grants per quota and per caller (the attributes the quota's
// dimensions read). At a low rate each request asks Mixer for exactly what it uses; once the
// rate rises the pool asks for the next `predictMs` worth of requests at once (best effort, so
// Mixer grants what is left), and later requests are served from the pool without a call.
// Grants expire with the validDuration Mixer gave them (the end of the quota window), so a pool
// never carries one window's quota into the next. Allocation quota (no window: held until
// released) never comes here — a pooled grant would be held by no request — so the client asks
// for exactly each request's amount (client.ts).

export interface QuotaPoolOptions {
  /** Largest amount asked for in one prefetch; 1 turns prefetch off. */
  maxPrefetch?: number;
  /** How far ahead to prefetch, in ms of traffic at the observed rate. */
  predictMs?: number;
  now?: () => number;
}

interface Pool {
  tokens: number;
  expiresAt: number;
  /** Requests in the current and previous second, for the rate. */
  windowStart: number;
  thisWindow: number;
  lastWindow: number;
}

export class QuotaPools {
  readonly #pools = new Map<string, Pool>();
  readonly #max: number;
  readonly #predictMs: number;
  readonly #now: () => number;

  constructor(opts: QuotaPoolOptions = {}) {
    this.#max = Math.max(1, opts.maxPrefetch ?? 20);
    this.#predictMs = opts.predictMs ?? 200;
    this.#now = opts.now ?? Date.now;
  }

  #pool(key: string, now: number): Pool {
    let p = this.#pools.get(key);
    if (!p) this.#pools.set(key, (p = { tokens: 0, expiresAt: 0, windowStart: now, thisWindow: 0, lastWindow: 0 }));
    if (now - p.windowStart >= 1000) {
      p.lastWindow = now - p.windowStart >= 2000 ? 0 : p.thisWindow;
      p.thisWindow = 0;
      p.windowStart = now;
    }
    return p;
  }

  /** Takes `amount` from the pool; false when Mixer has to be asked. Counts the request for the rate. */
  take(key: string, amount: number): boolean {
    const now = this.#now();
    const p = this.#pool(key, now);
    p.thisWindow += amount;
    if (p.expiresAt <= now) p.tokens = 0;
    if (p.tokens < amount) return false;
    p.tokens -= amount;
    return true;
  }

  /** What to ask Mixer for when the pool is short: at least `amount`, more when the rate is high. */
  askFor(key: string, amount: number): { amount: number; bestEffort: boolean } {
    const p = this.#pool(key, this.#now());
    const perSecond = Math.max(p.thisWindow, p.lastWindow);
    const predicted = Math.ceil((perSecond * this.#predictMs) / 1000);
    const want = Math.min(this.#max, Math.max(amount, predicted));
    // Exactly the request's amount is all-or-nothing, as without a pool.
    return want > amount ? { amount: want, bestEffort: true } : { amount, bestEffort: false };
  }

  /** A grant arrived: `used` of it goes to the request, the rest into the pool. */
  grant(key: string, granted: number, used: number, validDurationMs: number): void {
    const extra = granted - used;
    if (extra <= 0 || validDurationMs <= 0) return;
    const now = this.#now();
    const p = this.#pool(key, now);
    if (p.expiresAt <= now) p.tokens = 0;
    p.tokens += extra;
    p.expiresAt = p.tokens === extra ? now + validDurationMs : Math.min(p.expiresAt, now + validDurationMs);
  }

  /** Returns tokens taken for a request that did not go ahead. */
  giveBack(key: string, amount: number): void {
    const p = this.#pools.get(key);
    if (p && p.expiresAt > this.#now()) p.tokens += amount;
  }

  /** Tokens waiting in a pool (tests, stats). */
  pooled(key: string): number {
    const p = this.#pools.get(key);
    return p && p.expiresAt > this.#now() ? p.tokens : 0;
  }
}
