// A token bucket as Envoy's local rate limiter runs it: it starts full, gains tokens_per_fill
// every fill_interval (never above max_tokens), and each request takes one token. Fills are
// computed lazily from a clock when the bucket is touched — no timer per bucket — so idle routes
// cost nothing and a test can drive time by hand.

export interface TokenBucketOptions {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
  /** Monotonic milliseconds; defaults to performance.now(). */
  now?: () => number;
}

export class TokenBucket {
  readonly maxTokens: number;
  private readonly tokensPerFill: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private tokens: number;
  /** When the last whole fill interval ended; fills happen on this grid, as Envoy's timer does. */
  private lastFill: number;

  constructor(o: TokenBucketOptions) {
    this.maxTokens = o.maxTokens;
    this.tokensPerFill = o.tokensPerFill;
    this.intervalMs = o.fillIntervalMs;
    this.now = o.now ?? (() => performance.now());
    this.tokens = o.maxTokens;
    this.lastFill = this.now();
  }

  private refill(): number {
    const now = this.now();
    const intervals = Math.floor((now - this.lastFill) / this.intervalMs);
    if (intervals > 0) {
      this.tokens = Math.min(this.maxTokens, this.tokens + intervals * this.tokensPerFill);
      this.lastFill += intervals * this.intervalMs;
    }
    return now;
  }

  /** Takes one token if there is one. */
  tryConsume(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  remaining(): number {
    this.refill();
    return this.tokens;
  }

  /** Whole seconds until the next fill (x-ratelimit-reset). */
  resetSeconds(): number {
    const now = this.refill();
    return Math.ceil((this.lastFill + this.intervalMs - now) / 1000);
  }
}
