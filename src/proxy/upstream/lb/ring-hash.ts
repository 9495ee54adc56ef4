// RING_HASH (Ketama-style consistent hashing), built as Envoy builds it: host weights are
// normalised to sum 1; the ring gets enough entries that the lightest host has a whole number
// of them (at least minimum_ring_size in total, at most maximum_ring_size); entry k of a host
// sits at XXH64("<address>_<k>"), and hosts take their entries from running sums so fractional
// shares stay stable. A request goes to the first entry at or after its hash, wrapping round.
import type { UpstreamHost } from '../host.js';
import { randomHash, type LoadBalancer, type PickContext, type WeightedHost } from './types.js';
import { xxhash64 } from './xxhash64.js';

export interface RingHashOptions {
  /** ring_hash_lb_config.minimum_ring_size; default 1024. */
  minimumRingSize?: number;
  /** ring_hash_lb_config.maximum_ring_size; default 8M, which is also the most Envoy allows. */
  maximumRingSize?: number;
}

export const DEFAULT_MINIMUM_RING_SIZE = 1024;
export const DEFAULT_MAXIMUM_RING_SIZE = 8 * 1024 * 1024;

export class RingHashBalancer implements LoadBalancer {
  /** Entry hashes, ascending. */
  readonly hashes: BigUint64Array;
  /** The host of each entry. */
  readonly owners: UpstreamHost[];

  constructor(hosts: readonly WeightedHost[], opts: RingHashOptions = {}) {
    const min = opts.minimumRingSize ?? DEFAULT_MINIMUM_RING_SIZE;
    const max = opts.maximumRingSize ?? DEFAULT_MAXIMUM_RING_SIZE;
    if (min > max) throw new RangeError(`ring hash: minimum_ring_size ${min} exceeds maximum_ring_size ${max}`);
    const live = hosts.filter((h) => h.weight > 0);
    const sum = live.reduce((s, h) => s + h.weight, 0);
    const entries: { hash: bigint; host: UpstreamHost }[] = [];
    if (live.length) {
      const minShare = Math.min(...live.map((h) => h.weight / sum));
      const scale = Math.min(Math.ceil(minShare * min) / minShare, max);
      let current = 0;
      let target = 0;
      for (const { host, weight } of live) {
        target += scale * (weight / sum);
        for (let k = 0; current < target; k++, current++) entries.push({ hash: xxhash64(`${host.address}_${k}`), host });
      }
    }
    entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.hashes = BigUint64Array.from(entries.map((e) => e.hash));
    this.owners = entries.map((e) => e.host);
  }

  get size(): number {
    return this.owners.length;
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    const n = this.owners.length;
    if (n === 0) return undefined;
    const h = ctx.hash ?? randomHash(ctx.random);
    // First entry whose hash is >= h; past the end wraps to the start.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    // A host-selection retry steps along the ring, as Envoy does.
    return this.owners[(lo + (ctx.attempt ?? 0)) % n];
  }
}
