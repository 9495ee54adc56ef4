// LEAST_REQUEST, as Envoy does it:
// - equal weights: "power of d choices" — draw choice_count hosts at random (default 2) and
//   take the one with the fewest requests in flight (UpstreamHost.active); with at least as
//   many choices as hosts, every host is compared.
// - unequal weights: each host's weight becomes weight / (active + 1)^active_request_bias
//   (bias default 1.0) and a host is drawn with probability in proportion to that. Envoy feeds
//   the same dynamic weights to its EDF scheduler; a weighted draw gives the same shares.
import type { UpstreamHost } from '../host.js';
import { randomIndex, type LoadBalancer, type PickContext, type WeightedHost } from './types.js';

export interface LeastRequestOptions {
  /** least_request_lb_config.choice_count; Envoy's default is 2. */
  choiceCount?: number;
  /** least_request_lb_config.active_request_bias; default 1.0. */
  activeRequestBias?: number;
}

export const DEFAULT_CHOICE_COUNT = 2;

export class LeastRequestBalancer implements LoadBalancer {
  private readonly entries: WeightedHost[];
  private readonly weighted: boolean;
  private readonly choices: number;
  private readonly bias: number;

  constructor(hosts: readonly WeightedHost[], opts: LeastRequestOptions = {}) {
    this.entries = hosts.filter((h) => h.weight > 0);
    this.weighted = this.entries.some((h) => h.weight !== this.entries[0].weight);
    this.choices = Math.max(1, opts.choiceCount ?? DEFAULT_CHOICE_COUNT);
    this.bias = opts.activeRequestBias ?? 1;
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    const n = this.entries.length;
    if (n === 0) return undefined;
    if (this.weighted) return this.weightedPick(ctx);
    if (this.choices >= n) {
      // Compare everyone; ties go to a random one of the least loaded.
      const least = Math.min(...this.entries.map((e) => e.host.active));
      const tied = this.entries.filter((e) => e.host.active === least);
      return tied[randomIndex(ctx.random, tied.length)].host;
    }
    let best: UpstreamHost | undefined;
    for (let i = 0; i < this.choices; i++) {
      const h = this.entries[randomIndex(ctx.random, n)].host;
      if (!best || h.active < best.active) best = h;
    }
    return best;
  }

  private weightedPick(ctx: PickContext): UpstreamHost {
    const effective = this.entries.map((e) => e.weight / Math.pow(e.host.active + 1, this.bias));
    const total = effective.reduce((s, w) => s + w, 0);
    let r = ctx.random() * total;
    for (let i = 0; i < effective.length; i++) {
      r -= effective[i];
      if (r < 0) return this.entries[i].host;
    }
    return this.entries[this.entries.length - 1].host;
  }
}
