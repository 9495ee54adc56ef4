// The cluster-level balancer: first the priority level and host tier (host-set.ts), then —
// with locality-weighted balancing — a locality, then the policy's own balancer over that pool.
// Pool balancers are built on first use and live as long as the HostSet snapshot they came
// from; the owner builds a new PrioritizedBalancer whenever hosts or their health change.
//
// Hash balancers choose the level from the request hash (hash mod 100, as Envoy does) so a key
// sticks to one level too; they fold locality weights into host weights instead of drawing a
// locality, since a random draw would break consistency.
import type { UpstreamHost } from '../host.js';
import type { HostPool, HostSet, LocalityShare } from '../host-set.js';
import { randomHash, type LoadBalancer, type PickContext, type PoolBalancerFactory, type WeightedHost } from './types.js';

export class PrioritizedBalancer implements LoadBalancer {
  private readonly pools = new Map<string, LoadBalancer>();

  constructor(
    readonly hostSet: HostSet,
    private readonly factory: PoolBalancerFactory,
    private readonly hashBased: boolean,
  ) {}

  pick(ctx: PickContext): UpstreamHost | undefined {
    let c = ctx;
    if (this.hashBased && c.hash === undefined) c = { ...ctx, hash: randomHash(ctx.random) };
    const percent = this.hashBased ? Number((c.hash as bigint) % 100n) : Math.floor(ctx.random() * 100);
    const pool = this.hostSet.choose(Math.min(99, percent));
    if (!pool) return undefined;
    let lb = this.pools.get(pool.key);
    if (!lb) {
      lb = this.build(pool);
      this.pools.set(pool.key, lb);
    }
    return lb.pick(c);
  }

  private build(pool: HostPool): LoadBalancer {
    const localities = this.hostSet.localities(pool);
    if (!localities) return this.factory(pool.hosts.map((host) => ({ host, weight: host.weight })));
    if (this.hashBased) return this.factory(localityScaledWeights(localities));
    return new LocalityBalancer(localities.map((l) => ({
      weight: l.effectiveWeight,
      lb: this.factory(l.hosts.map((host) => ({ host, weight: host.weight }))),
    })));
  }
}

/** Host weights scaled so each locality's hosts together carry that locality's share. */
export function localityScaledWeights(localities: readonly LocalityShare[]): WeightedHost[] {
  const total = localities.reduce((s, l) => s + l.weight, 0);
  return localities.flatMap((l) => {
    const hostSum = l.hosts.reduce((s, h) => s + h.weight, 0);
    return l.hosts.map((host) => ({ host, weight: (l.weight / total) * (host.weight / hostSum) }));
  });
}

/** Draws a locality by effective weight, then asks that locality's balancer. */
class LocalityBalancer implements LoadBalancer {
  private readonly total: number;

  constructor(private readonly localities: { weight: number; lb: LoadBalancer }[]) {
    this.total = localities.reduce((s, l) => s + l.weight, 0);
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    let r = ctx.random() * this.total;
    for (const l of this.localities) {
      r -= l.weight;
      if (r < 0) return l.lb.pick(ctx);
    }
    return this.localities[this.localities.length - 1].lb.pick(ctx);
  }
}
