// The client's counters, named after the stats of Istio's Envoy Mixer filter
// (`http_mixer_filter.total_*`), and their Prometheus text for the proxy's /stats/prometheus.

/** Upper bounds (ms) of the remote Check latency histogram. */
const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

export class MixerClientStats {
  /** Every check the filter asked for. */
  checkCalls = 0;
  checkCacheHits = 0;
  checkCacheMisses = 0;
  /** Checks that reached Mixer (a miss, or quota the pool could not cover). */
  remoteCheckCalls = 0;
  /** Misses answered by a Check another request already had in flight for the same key. */
  coalescedChecks = 0;
  remoteCheckErrors = 0;
  /** Checks let through because Mixer was unreachable and the mesh fails open. */
  failOpen = 0;
  /** Checks refused because Mixer was unreachable and the mesh fails closed. */
  failClosed = 0;
  quotaCalls = 0;
  quotaPoolHits = 0;
  /** Release calls made for allocation quota (after a request, or for a grant the request could not use). */
  remoteReleaseCalls = 0;
  remoteReleaseErrors = 0;
  reportCalls = 0;
  remoteReportCalls = 0;
  remoteReportErrors = 0;
  readonly latencyBuckets = LATENCY_BUCKETS_MS.map(() => 0);
  latencyCount = 0;
  latencySumMs = 0;

  observeLatency(ms: number): void {
    this.latencyCount++;
    this.latencySumMs += ms;
    for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (ms <= LATENCY_BUCKETS_MS[i]!) this.latencyBuckets[i]!++;
  }

  /** Prometheus text, labelled with the Mixer address the client talks to. */
  prometheus(mixer: string): string {
    const l = `{mixer="${mixer.replace(/["\\\n]/g, '_')}"}`;
    const counters: [string, number][] = [
      ['total_check_calls', this.checkCalls], ['total_check_cache_hits', this.checkCacheHits], ['total_check_cache_misses', this.checkCacheMisses],
      ['total_remote_check_calls', this.remoteCheckCalls], ['total_coalesced_check_calls', this.coalescedChecks], ['total_remote_check_errors', this.remoteCheckErrors],
      ['total_check_fail_open', this.failOpen], ['total_check_fail_closed', this.failClosed],
      ['total_quota_calls', this.quotaCalls], ['total_quota_pool_hits', this.quotaPoolHits],
      ['total_remote_release_calls', this.remoteReleaseCalls], ['total_remote_release_errors', this.remoteReleaseErrors],
      ['total_report_calls', this.reportCalls], ['total_remote_report_calls', this.remoteReportCalls], ['total_remote_report_errors', this.remoteReportErrors],
    ];
    const lines: string[] = [];
    for (const [name, v] of counters) lines.push(`# TYPE envoy_http_mixer_filter_${name} counter`, `envoy_http_mixer_filter_${name}${l} ${v}`);
    const h = 'envoy_http_mixer_filter_remote_check_latency_ms';
    lines.push(`# TYPE ${h} histogram`);
    const base = l.slice(0, -1);
    LATENCY_BUCKETS_MS.forEach((b, i) => lines.push(`${h}_bucket${base},le="${b}"} ${this.latencyBuckets[i]}`));
    lines.push(`${h}_bucket${base},le="+Inf"} ${this.latencyCount}`, `${h}_sum${l} ${this.latencySumMs}`, `${h}_count${l} ${this.latencyCount}`);
    return `${lines.join('\n')}\n`;
  }
}
