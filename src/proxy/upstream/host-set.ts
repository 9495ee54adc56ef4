// Which of a cluster's hosts may take traffic now, and how traffic spreads over priorities.
//
// Our control plane expresses locality-aware routing as EDS priorities (the proxy's own locality
// at priority 0, then by proximity), so priority spillover IS locality failover here. It follows
// Envoy's load calculation:
// - A host is healthy when EDS says HEALTHY or UNKNOWN and outlier detection has not ejected it;
//   DEGRADED hosts are a second tier; DRAINING, UNHEALTHY and TIMEOUT hosts take no traffic.
// - A level's health is min(100, overprovisioning_factor × healthy / hosts), the factor being
//   140 (1.4): a level with ≥ 72% of its hosts healthy still takes all the traffic it is offered.
// - Traffic is handed out from priority 0 down, each level taking up to its health (scaled so
//   the total reaches 100 when every level together is less than fully available), first to
//   healthy hosts, then what is left to degraded hosts; rounding leftovers go to the first
//   level with any.
// - Panic (common_lb_config.healthy_panic_threshold, default 50%; 0 switches it off): a level
//   whose healthy+degraded share of hosts is below the threshold balances over all its hosts,
//   healthy or not; when every level is in panic the load follows host counts instead.
// - With locality_weighted_lb_config, a level's traffic is split over its localities by
//   load_balancing_weight × min(1, 1.4 × available share of the locality) (not in panic).
// Simplified against Envoy: no zone-aware routing (which needs the local cluster), no per-host
// "excluded" state, and priorities are the levels present (gaps are simply skipped).
import { localityKey, type UpstreamHost } from './host.js';

export type Availability = 'healthy' | 'degraded' | 'unhealthy';

export function availability(h: UpstreamHost): Availability {
  if (h.outlier.ejected) return 'unhealthy';
  if (h.health === 'HEALTHY' || h.health === 'UNKNOWN') return 'healthy';
  if (h.health === 'DEGRADED') return 'degraded';
  return 'unhealthy';
}

export interface HostSetOptions {
  /** In percent; Envoy's default is 140. */
  overprovisioningFactor?: number;
  /** common_lb_config.healthy_panic_threshold in percent; default 50, 0 disables panic. */
  panicThresholdPercent?: number;
  /** common_lb_config.locality_weighted_lb_config is set. */
  localityWeighted?: boolean;
}

export const DEFAULT_OVERPROVISIONING_FACTOR = 140;
export const DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

export interface PriorityLevel {
  priority: number;
  hosts: UpstreamHost[];
  healthy: UpstreamHost[];
  degraded: UpstreamHost[];
  /** Overprovisioned availability, 0-100. */
  health: number;
  degradedHealth: number;
  panic: boolean;
  /** Percent of all requests sent to this level's healthy (or, in panic, all) hosts. */
  healthyLoad: number;
  /** Percent of all requests sent to this level's degraded hosts. */
  degradedLoad: number;
}

export type HostSource = 'healthy' | 'degraded' | 'all';

/** The hosts one pick balances over: one level's healthy or degraded hosts, or all in panic. */
export interface HostPool {
  key: string;
  level: PriorityLevel;
  source: HostSource;
  hosts: UpstreamHost[];
}

export interface LocalityShare {
  key: string;
  /** load_balancing_weight as configured (0 when EDS gave none). */
  weight: number;
  /** weight × min(1, overprovisioning × available share), Envoy's effective locality weight. */
  effectiveWeight: number;
  hosts: UpstreamHost[];
}

export class HostSet {
  readonly levels: PriorityLevel[];
  readonly localityWeighted: boolean;
  private readonly factor: number;
  private readonly pools = new Map<string, HostPool>();

  constructor(hosts: readonly UpstreamHost[], opts: HostSetOptions = {}) {
    this.factor = opts.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
    this.localityWeighted = opts.localityWeighted === true;
    const threshold = Math.min(100, opts.panicThresholdPercent ?? DEFAULT_PANIC_THRESHOLD_PERCENT);
    const byPriority = new Map<number, UpstreamHost[]>();
    for (const h of hosts) byPriority.set(h.priority, [...(byPriority.get(h.priority) ?? []), h]);
    this.levels = [...byPriority.keys()].sort((a, b) => a - b).map((priority) => {
      const all = byPriority.get(priority) ?? [];
      const healthy = all.filter((h) => availability(h) === 'healthy');
      const degraded = all.filter((h) => availability(h) === 'degraded');
      return {
        priority, hosts: all, healthy, degraded,
        health: Math.min(100, Math.floor((this.factor * healthy.length) / all.length)),
        degradedHealth: Math.min(100, Math.floor((this.factor * degraded.length) / all.length)),
        panic: false, healthyLoad: 0, degradedLoad: 0,
      };
    });
    this.distribute(threshold);
  }

  private distribute(threshold: number): void {
    const levels = this.levels;
    if (levels.length === 0) return;
    const total = Math.min(100, levels.reduce((s, l) => s + l.health + l.degradedHealth, 0));
    if (total > 0) {
      let left = 100;
      for (const l of levels) left -= (l.healthyLoad = Math.min(left, Math.floor((l.health * 100) / total)));
      for (const l of levels) left -= (l.degradedLoad = Math.min(left, Math.floor((l.degradedHealth * 100) / total)));
      const firstHealthy = levels.find((l) => l.health > 0);
      if (firstHealthy) firstHealthy.healthyLoad += left;
      else (levels.find((l) => l.degradedHealth > 0) as PriorityLevel).degradedLoad += left;
    }
    if (threshold === 0 && total === 0) {
      // Panic is off and nothing is available: level 0 gets the load and finds no host.
      levels[0].healthyLoad = 100;
      return;
    }
    for (const l of levels) {
      const usable = l.hosts.length === 0 ? 0 : (100 * (l.healthy.length + l.degraded.length)) / l.hosts.length;
      l.panic = total === 0 || usable < threshold;
    }
    if (levels.every((l) => l.panic)) {
      // Every level in panic: spread by host count, healthy or not.
      const count = levels.reduce((s, l) => s + l.hosts.length, 0);
      let left = 100;
      for (const l of levels) {
        l.degradedLoad = 0;
        left -= (l.healthyLoad = Math.floor((100 * l.hosts.length) / count));
      }
      levels[0].healthyLoad += left;
    }
  }

  /** The pool for a number in [0, 100): from the levels' cumulative healthy, then degraded loads. */
  choose(percent: number): HostPool | undefined {
    let sum = 0;
    for (const l of this.levels) {
      sum += l.healthyLoad;
      if (percent < sum) return this.pool(l, l.panic ? 'all' : 'healthy');
    }
    for (const l of this.levels) {
      sum += l.degradedLoad;
      if (percent < sum) return this.pool(l, l.panic ? 'all' : 'degraded');
    }
    return undefined;
  }

  private pool(level: PriorityLevel, source: HostSource): HostPool {
    const key = `${level.priority}/${source}`;
    let p = this.pools.get(key);
    if (!p) {
      const hosts = source === 'all' ? level.hosts : source === 'healthy' ? level.healthy : level.degraded;
      p = { key, level, source, hosts };
      this.pools.set(key, p);
    }
    return p;
  }

  /**
   * A pool's localities with their weights, when locality-weighted balancing applies to it
   * (configured, not in panic, and some locality has a positive effective weight).
   */
  localities(pool: HostPool): LocalityShare[] | undefined {
    if (!this.localityWeighted || pool.source === 'all') return undefined;
    const all = new Map<string, UpstreamHost[]>();
    for (const h of pool.level.hosts) all.set(h.localityKey, [...(all.get(h.localityKey) ?? []), h]);
    const shares: LocalityShare[] = [];
    for (const [key, members] of all) {
      const available = pool.hosts.filter((h) => localityKey(h.locality) === key);
      if (available.length === 0) continue;
      const weight = members[0].localityWeight ?? 0;
      const ratio = Math.min(1, ((this.factor / 100) * available.length) / members.length);
      shares.push({ key, weight, effectiveWeight: weight * ratio, hosts: available });
    }
    return shares.some((s) => s.effectiveWeight > 0) ? shares.filter((s) => s.effectiveWeight > 0) : undefined;
  }

  /** Hosts that may take traffic without panic: healthy ones, else degraded ones. */
  eligible(): UpstreamHost[] {
    const healthy = this.levels.flatMap((l) => l.healthy);
    return healthy.length ? healthy : this.levels.flatMap((l) => l.degraded);
  }
}
