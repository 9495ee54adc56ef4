// Builders shared by the upstream tests: hosts from endpoint facts, and a seeded PRNG so every
// statistical assertion runs on the same sequence each time (no flakiness from luck).
import { UpstreamHost, type EndpointInput } from '../../../src/proxy/upstream/host.js';

export function host(n: number, over: Partial<EndpointInput> = {}): UpstreamHost {
  return new UpstreamHost({
    host: `10.0.${Math.floor(n / 256)}.${n % 256}`, port: 8080, weight: 1, health: 'HEALTHY', priority: 0, locality: {},
    ...over,
  });
}

export function hosts(count: number, over: Partial<EndpointInput> = {}, from = 0): UpstreamHost[] {
  return Array.from({ length: count }, (_, i) => host(from + i, over));
}

/** mulberry32: a small deterministic [0, 1) generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many picks each host got. */
export function tally(picks: readonly (UpstreamHost | undefined)[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of picks) {
    const k = p?.key ?? 'none';
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}
