// ROUND_ROBIN: smooth weighted round robin. Every pick adds each host's weight to its running
// credit, takes the host with the most credit and charges it the total weight, so a host of
// weight w gets exactly w of every Σw picks, interleaved rather than in bursts (Envoy uses an
// EDF scheduler for the weighted case; the shares are the same). The first pick starts at a
// random host, as Envoy does, so a fleet of proxies does not hit the same host first.
import type { UpstreamHost } from '../host.js';
import { randomIndex, type LoadBalancer, type PickContext, type WeightedHost } from './types.js';

export class RoundRobinBalancer implements LoadBalancer {
  private readonly entries: WeightedHost[];
  private readonly credit: number[];
  private readonly total: number;
  private started = false;

  constructor(hosts: readonly WeightedHost[]) {
    this.entries = hosts.filter((h) => h.weight > 0);
    this.credit = this.entries.map(() => 0);
    this.total = this.entries.reduce((s, h) => s + h.weight, 0);
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    const n = this.entries.length;
    if (n === 0) return undefined;
    if (!this.started) {
      this.started = true;
      // Pre-charge a random rotation of credit so the sequence starts at a random point.
      const skips = randomIndex(ctx.random, n);
      for (let i = 0; i < skips; i++) this.step();
    }
    return this.entries[this.step()].host;
  }

  private step(): number {
    let best = 0;
    for (let i = 0; i < this.entries.length; i++) {
      this.credit[i] += this.entries[i].weight;
      if (this.credit[i] > this.credit[best]) best = i;
    }
    this.credit[best] -= this.total;
    return best;
  }
}
