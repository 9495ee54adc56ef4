// MAGLEV (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer", 2016),
// with Envoy's weighting. Each host has a permutation of the table's slots, from offset =
// XXH64(address) mod M and skip = XXH64(address, seed 1) mod (M−1) + 1; hosts take turns
// claiming their next free slot until the table is full. A host of normalised weight w takes a
// turn in w/max_w of the rounds, so slots follow weight. Removing a host frees only its slots
// (plus a little churn). A request goes to slot hash mod M; M (table_size, default 65537) must
// be prime so every permutation visits every slot.
import type { UpstreamHost } from '../host.js';
import { randomHash, type LoadBalancer, type PickContext, type WeightedHost } from './types.js';
import { xxhash64 } from './xxhash64.js';

export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

export class MaglevBalancer implements LoadBalancer {
  readonly tableSize: number;
  /** Slot → index into `hosts`, or -1 when there are no hosts. */
  readonly table: Int32Array;
  readonly hosts: UpstreamHost[];

  constructor(weighted: readonly WeightedHost[], tableSize = DEFAULT_MAGLEV_TABLE_SIZE) {
    if (!isPrime(tableSize)) throw new RangeError(`maglev: table_size ${tableSize} is not a prime number`);
    this.tableSize = tableSize;
    this.table = new Int32Array(tableSize).fill(-1);
    // Order by address so the table does not depend on the order EDS listed the hosts in.
    const live = weighted.filter((h) => h.weight > 0).sort((a, b) => (a.host.address < b.host.address ? -1 : a.host.address > b.host.address ? 1 : 0));
    this.hosts = live.map((h) => h.host);
    if (live.length === 0) return;
    const sum = live.reduce((s, h) => s + h.weight, 0);
    const maxWeight = Math.max(...live.map((h) => h.weight / sum));
    const M = BigInt(tableSize);
    const build = live.map((h) => ({
      offset: Number(xxhash64(h.host.address) % M),
      skip: Number(xxhash64(h.host.address, 1n) % (M - 1n)) + 1,
      weight: h.weight / sum,
      target: h.weight / sum,
      next: 0,
    }));
    let filled = 0;
    for (let round = 1; filled < tableSize; round++) {
      for (let i = 0; i < build.length && filled < tableSize; i++) {
        const e = build[i];
        // Envoy's rule: a host of weight max_w plays every round, one of max_w/3 every third.
        if (round * e.weight < e.target) continue;
        e.target += maxWeight;
        let slot = (e.offset + e.skip * e.next) % tableSize;
        while (this.table[slot] !== -1) {
          e.next++;
          slot = (e.offset + e.skip * e.next) % tableSize;
        }
        this.table[slot] = i;
        e.next++;
        filled++;
      }
    }
  }

  pick(ctx: PickContext): UpstreamHost | undefined {
    if (this.hosts.length === 0) return undefined;
    let h = ctx.hash ?? randomHash(ctx.random);
    const attempt = ctx.attempt ?? 0;
    // A host-selection retry flips many bits of the hash, as Envoy does, to land elsewhere.
    if (attempt > 0) h ^= BigInt.asUintN(64, -BigInt(attempt));
    return this.hosts[this.table[Number(h % BigInt(this.tableSize))]];
  }
}
