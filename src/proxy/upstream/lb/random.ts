// RANDOM: a uniformly random host. Like Envoy's random balancer it ignores host weights.
import type { UpstreamHost } from '../host.js';
import { randomIndex, type LoadBalancer, type PickContext, type WeightedHost } from './types.js';

export class RandomBalancer implements LoadBalancer {
  private readonly hosts: UpstreamHost[];

  constructor(hosts: readonly WeightedHost[]) {
    this.hosts = hosts.filter((h) => h.weight > 0).map((h) => h.host);
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    return this.hosts.length ? this.hosts[randomIndex(ctx.random, this.hosts.length)] : undefined;
  }
}
