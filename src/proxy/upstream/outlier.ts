// Outlier detection (passive health checking) for one cluster, from Cluster.outlier_detection,
// following Envoy's detector:
// - Consecutive errors eject at once: consecutive_5xx (any 5xx), consecutive_gateway_failure
//   (502/503/504; enforcing default 0, so only counted unless switched on) and, with
//   split_external_local_origin_errors, consecutive_local_origin_failure (connect failures,
//   resets, timeouts). Without the split, local failures count as 503 (connect failure, reset)
//   or 504 (timeout).
// - Every `interval` a sweep returns hosts whose ejection ran out, then judges the interval
//   just ended: success-rate ejection (hosts below mean − stdev × stdev_factor/1000, among
//   hosts with request_volume requests, if minimum_hosts of them) and failure-percentage
//   ejection (failure % ≥ threshold; enforcing default 0).
// - An ejection lasts min(base_ejection_time × backoff, max_ejection_time) + jitter, where the
//   backoff grows by one per ejection and shrinks by one per sweep the host spends back in
//   service (after its first interval back). The host returns at the first sweep after that.
// - At most max_ejection_percent of the hosts are ejected at once, counting the one about to
//   be: with the 10% default fewer than ten hosts means no ejection at all, as in current Envoy,
//   unless always_eject_one_host allows a single one.
// - enforcing_* is the % chance a detected outlier is really ejected.
import { asFields, durationMs, wrapped, type Fields } from '../xds-client/fields.js';
import type { Clock } from './clock.js';
import type { UpstreamHost } from './host.js';

export type OutlierOutcome = number | 'connect-failure' | 'reset' | 'timeout';

export type EjectionType = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'consecutive_local_origin_failure'
  | 'success_rate' | 'success_rate_local_origin' | 'failure_percentage' | 'failure_percentage_local_origin';

export interface OutlierConfig {
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  maxEjectionTimeJitterMs: number;
  maxEjectionPercent: number;
  alwaysEjectOneHost: boolean;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  splitExternalLocalOriginErrors: boolean;
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  successRateStdevFactor: number;
  failurePercentageThreshold: number;
  failurePercentageMinimumHosts: number;
  failurePercentageRequestVolume: number;
  /** The % chance that a detected outlier of each kind is ejected. */
  enforcing: Record<EjectionType, number>;
}

/** Cluster.outlier_detection with Envoy's defaults. Throws RangeError where Envoy rejects. */
export function outlierConfig(od: Fields): OutlierConfig {
  const u = (f: string, d: number) => wrapped(od[f]) ?? d;
  const base = durationMs(od.base_ejection_time) ?? 30_000;
  const cfg: OutlierConfig = {
    intervalMs: durationMs(od.interval) ?? 10_000,
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: durationMs(od.max_ejection_time) ?? Math.max(300_000, base),
    maxEjectionTimeJitterMs: durationMs(od.max_ejection_time_jitter) ?? 0,
    maxEjectionPercent: Math.min(100, u('max_ejection_percent', 10)),
    alwaysEjectOneHost: asFields(od.always_eject_one_host)?.value === true,
    consecutive5xx: u('consecutive_5xx', 5),
    consecutiveGatewayFailure: u('consecutive_gateway_failure', 5),
    consecutiveLocalOriginFailure: u('consecutive_local_origin_failure', 5),
    splitExternalLocalOriginErrors: od.split_external_local_origin_errors === true,
    successRateMinimumHosts: u('success_rate_minimum_hosts', 5),
    successRateRequestVolume: u('success_rate_request_volume', 100),
    successRateStdevFactor: u('success_rate_stdev_factor', 1900),
    failurePercentageThreshold: u('failure_percentage_threshold', 85),
    failurePercentageMinimumHosts: u('failure_percentage_minimum_hosts', 5),
    failurePercentageRequestVolume: u('failure_percentage_request_volume', 50),
    enforcing: {
      consecutive_5xx: u('enforcing_consecutive_5xx', 100),
      consecutive_gateway_failure: u('enforcing_consecutive_gateway_failure', 0),
      consecutive_local_origin_failure: u('enforcing_consecutive_local_origin_failure', 100),
      success_rate: u('enforcing_success_rate', 100),
      success_rate_local_origin: u('enforcing_local_origin_success_rate', 100),
      failure_percentage: u('enforcing_failure_percentage', 0),
      failure_percentage_local_origin: u('enforcing_failure_percentage_local_origin', 0),
    },
  };
  if (!(cfg.intervalMs > 0)) throw new RangeError('outlier_detection.interval must be positive');
  if (!(cfg.baseEjectionTimeMs > 0)) throw new RangeError('outlier_detection.base_ejection_time must be positive');
  if (cfg.maxEjectionTimeMs < cfg.baseEjectionTimeMs) throw new RangeError('outlier_detection.max_ejection_time cannot be smaller than base_ejection_time');
  return cfg;
}

interface Bucket { total: number; ok: number }
interface Monitor {
  host: UpstreamHost;
  c5xx: number;
  cGateway: number;
  cLocal: number;
  backoff: number;
  jitter: number;
  lastEjection?: number;
  lastUnejection?: number;
  // Requests of the running interval, and of the interval the last sweep closed.
  external: { current: Bucket; closed: Bucket };
  local: { current: Bucket; closed: Bucket };
}

export interface OutlierDetectorOptions {
  clock: Clock;
  /** Uniform in [0, 1): enforcement rolls and ejection jitter. */
  random?: () => number;
  /** A host was ejected (true) or returned (false); the owner rebuilds its balancer. */
  onChange?: (host: UpstreamHost, ejected: boolean) => void;
}

export interface OutlierStats {
  detected: Partial<Record<EjectionType, number>>;
  enforced: Partial<Record<EjectionType, number>>;
  /** Outliers left in service because max_ejection_percent was reached. */
  overflow: number;
}

const bucket = (): Bucket => ({ total: 0, ok: 0 });

export class OutlierDetector {
  readonly stats: OutlierStats = { detected: {}, enforced: {}, overflow: 0 };
  private readonly monitors = new Map<UpstreamHost, Monitor>();
  private readonly random: () => number;
  private timer: unknown;

  constructor(readonly config: OutlierConfig, private readonly opts: OutlierDetectorOptions, hosts: readonly UpstreamHost[] = []) {
    this.random = opts.random ?? Math.random;
    this.setHosts(hosts);
    this.arm();
  }

  /** The detector for a cluster, or undefined when it has no outlier_detection. */
  static fromCluster(raw: Fields, opts: OutlierDetectorOptions, hosts: readonly UpstreamHost[] = []): OutlierDetector | undefined {
    const od = asFields(raw.outlier_detection);
    return od ? new OutlierDetector(outlierConfig(od), opts, hosts) : undefined;
  }

  /** The cluster's hosts after an EDS update: new ones are watched, removed ones forgotten. */
  setHosts(hosts: readonly UpstreamHost[]): void {
    const keep = new Set(hosts);
    for (const h of this.monitors.keys()) if (!keep.has(h)) this.monitors.delete(h);
    for (const host of hosts) {
      if (this.monitors.has(host)) continue;
      this.monitors.set(host, {
        host, c5xx: 0, cGateway: 0, cLocal: 0, backoff: 0, jitter: 0,
        external: { current: bucket(), closed: bucket() }, local: { current: bucket(), closed: bucket() },
      });
    }
  }

  get ejectedCount(): number {
    let n = 0;
    for (const h of this.monitors.keys()) if (h.outlier.ejected) n++;
    return n;
  }

  /** The result of one request to `host`: its HTTP status, or how it failed locally. */
  report(host: UpstreamHost, outcome: OutlierOutcome): void {
    const m = this.monitors.get(host);
    if (!m) return;
    if (typeof outcome === 'number') {
      if (this.config.splitExternalLocalOriginErrors) this.localResult(m, true);
      this.httpStatus(m, outcome);
    } else if (this.config.splitExternalLocalOriginErrors) {
      this.localResult(m, false);
    } else {
      this.httpStatus(m, outcome === 'timeout' ? 504 : 503);
    }
  }

  close(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private httpStatus(m: Monitor, status: number): void {
    m.external.current.total++;
    if (status >= 500 && status < 600) {
      if (status >= 502 && status <= 504) {
        if (++m.cGateway === this.config.consecutiveGatewayFailure) this.consecutive(m, 'consecutive_gateway_failure');
      } else {
        m.cGateway = 0;
      }
      if (++m.c5xx === this.config.consecutive5xx) this.consecutive(m, 'consecutive_5xx');
    } else {
      m.external.current.ok++;
      m.c5xx = 0;
      m.cGateway = 0;
    }
  }

  private localResult(m: Monitor, ok: boolean): void {
    m.local.current.total++;
    if (ok) {
      m.local.current.ok++;
      m.cLocal = 0;
    } else if (++m.cLocal === this.config.consecutiveLocalOriginFailure) {
      this.consecutive(m, 'consecutive_local_origin_failure');
    }
  }

  private consecutive(m: Monitor, type: EjectionType): void {
    if (m.host.outlier.ejected) return;
    this.eject(m, type);
    // Start counting a new bout whether or not the host went out.
    if (type === 'consecutive_5xx') m.c5xx = 0;
    else if (type === 'consecutive_gateway_failure') m.cGateway = 0;
    else m.cLocal = 0;
  }

  private eject(m: Monitor, type: EjectionType): void {
    if (m.host.outlier.ejected) return;
    this.stats.detected[type] = (this.stats.detected[type] ?? 0) + 1;
    const active = this.ejectedCount;
    const allowed = (100 * (active + 1)) / this.monitors.size <= this.config.maxEjectionPercent
      || (this.config.alwaysEjectOneHost && active === 0);
    if (!allowed) {
      this.stats.overflow++;
      return;
    }
    if (!(Math.floor(this.random() * 100) < this.config.enforcing[type])) return;
    this.stats.enforced[type] = (this.stats.enforced[type] ?? 0) + 1;
    const { baseEjectionTimeMs: base, maxEjectionTimeMs: max } = this.config;
    const now = this.opts.clock.now();
    m.lastEjection = now;
    m.jitter = Math.floor(this.random() * (this.config.maxEjectionTimeJitterMs + 1));
    if (m.backoff * base < max + base) m.backoff++;
    const o = m.host.outlier;
    o.ejected = true;
    o.timesEjected++;
    o.ejectedUntil = now + Math.min(base * m.backoff, max) + m.jitter;
    this.opts.onChange?.(m.host, true);
  }

  private arm(): void {
    this.timer = this.opts.clock.setTimeout(() => this.sweep(), this.config.intervalMs);
  }

  private sweep(): void {
    const now = this.opts.clock.now();
    for (const m of this.monitors.values()) {
      const o = m.host.outlier;
      if (o.ejected && (o.ejectedUntil as number) <= now) {
        o.ejected = false;
        o.ejectedUntil = undefined;
        m.c5xx = m.cGateway = m.cLocal = 0;
        m.lastUnejection = now;
        this.opts.onChange?.(m.host, false);
      }
      for (const b of [m.external, m.local]) {
        b.closed = b.current;
        b.current = bucket();
      }
    }
    this.judge('external');
    this.judge('local');
    for (const m of this.monitors.values()) {
      // A host back in service for a whole interval earns back one step of its backoff.
      if (!m.host.outlier.ejected && m.lastUnejection !== undefined && now - m.lastUnejection >= this.config.intervalMs && m.backoff > 0) m.backoff--;
    }
    this.arm();
  }

  /** Success-rate and failure-percentage ejection over the interval just closed. */
  private judge(origin: 'external' | 'local'): void {
    const c = this.config;
    if (this.monitors.size < c.successRateMinimumHosts && this.monitors.size < c.failurePercentageMinimumHosts) return;
    const sr: { m: Monitor; rate: number }[] = [];
    const fp: { m: Monitor; rate: number }[] = [];
    for (const m of this.monitors.values()) {
      const b = m[origin].closed;
      if (m.host.outlier.ejected || b.total === 0) continue;
      const rate = (100 * b.ok) / b.total;
      if (b.total >= c.successRateRequestVolume) sr.push({ m, rate });
      if (b.total >= c.failurePercentageRequestVolume) fp.push({ m, rate });
    }
    if (sr.length > 0 && sr.length >= c.successRateMinimumHosts) {
      const mean = sr.reduce((s, x) => s + x.rate, 0) / sr.length;
      const stdev = Math.sqrt(sr.reduce((s, x) => s + (x.rate - mean) ** 2, 0) / sr.length);
      const threshold = mean - (c.successRateStdevFactor / 1000) * stdev;
      for (const x of sr) if (x.rate < threshold) this.eject(x.m, origin === 'external' ? 'success_rate' : 'success_rate_local_origin');
    }
    if (fp.length > 0 && fp.length >= c.failurePercentageMinimumHosts) {
      for (const x of fp) {
        if (100 - x.rate >= c.failurePercentageThreshold) this.eject(x.m, origin === 'external' ? 'failure_percentage' : 'failure_percentage_local_origin');
      }
    }
  }
}
