// The Mixer client a proxy filter calls on every request: Check answered from the cache when it
// can be, quota from the local pool, Reports batched — so the hot path rarely waits on the
// network — and fail-open or fail-closed when Mixer cannot be reached. Allocation quota (Mixer
// marks it in the Check answer) is never pooled: each request asks for exactly its amount and
// gives it back with `release` when it is over.
import { randomBytes } from 'node:crypto';
import { CODE, type Status } from '../mixer/adapters/status.js';
import type { ReferencedAttribute } from '../mixer/attributes/referenced.js';
import type { CheckResponse } from '../mixer/runtime/dispatch.js';
import { CheckCache, type Bag } from './check-cache.js';
import { QuotaPools } from './quota-pool.js';
import { ReportBatch } from './report-batch.js';
import type { AttributeSource } from './report-encoder.js';
import { MixerClientStats } from './stats.js';
import { MixerTransport, type QuotaAsk } from './transport.js';

export interface MixerClientOptions {
  /** `host:port` answering Check; '' makes no checks (everything is allowed). */
  checkServer: string;
  /** `host:port` receiving Reports; '' sends none. */
  reportServer: string;
  /** MeshConfig policyCheckFailOpen: let requests through when Mixer cannot answer. */
  failOpen?: boolean;
  /** Deadline of one Check or Report call (default 1 s). */
  timeoutMs?: number;
  cacheMaxEntries?: number;
  /** Largest quota prefetch (1: no prefetch). */
  quotaMaxPrefetch?: number;
  reportBatchMaxEntries?: number;
  reportBatchFlushMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface QuotaRequirement {
  /** The quota instance name in Mixer's config. */
  name: string;
  amount: number;
}

export interface CheckOutcome {
  status: Status;
  /** How the answer was reached, for logs and response details. */
  source: 'cache' | 'mixer' | 'fail-open' | 'fail-closed' | 'disabled';
  /**
   * Allocation quota this request now holds (only on an OK answer): the caller gives it back
   * with `release(bag, allocations)` when the request is over. Absent when none is held.
   */
  allocations?: readonly QuotaRequirement[];
}

const OK: Status = Object.freeze({ code: CODE.OK, message: '' });
/** The cache-hit answer, shared: the hot path allocates nothing for it. */
const CACHED_OK: CheckOutcome = Object.freeze({ status: OK, source: 'cache' });
const DISABLED: CheckOutcome = Object.freeze({ status: OK, source: 'disabled' });
const NO_QUOTAS: readonly QuotaRequirement[] = Object.freeze([]);
const NO_ASK: Record<string, QuotaAsk> = Object.freeze({}) as Record<string, QuotaAsk>;
const NO_TAKEN: readonly { key: string; amount: number }[] = Object.freeze([]);

export class MixerClient {
  readonly stats = new MixerClientStats();
  readonly #cache: CheckCache;
  /** Checks on the wire, by every cache key their bag has (see #remoteCheck). */
  readonly #inflight = new Map<string, Promise<CheckResponse>>();
  readonly #pools: QuotaPools;
  readonly #check?: MixerTransport;
  readonly #report?: MixerTransport;
  readonly #batch?: ReportBatch;
  readonly #failOpen: boolean;
  readonly #log: (line: string) => void;
  /** The attributes each quota's dimensions read last time, which key its pool. */
  readonly #quotaRefs = new Map<string, ReferencedAttribute[]>();
  /** Quotas Mixer answered as allocation quotas: asked for exactly, never pooled. */
  readonly #allocationQuotas = new Set<string>();
  readonly #dedupPrefix = randomBytes(6).toString('hex');
  #dedupSeq = 0;
  #lastErrorLog = 0;

  constructor(readonly options: MixerClientOptions) {
    const timeout = options.timeoutMs ?? 1000;
    const now = options.now ?? Date.now;
    this.#cache = new CheckCache({ maxEntries: options.cacheMaxEntries, now });
    this.#pools = new QuotaPools({ maxPrefetch: options.quotaMaxPrefetch, now });
    this.#failOpen = options.failOpen ?? false;
    this.#log = options.log ?? (() => {});
    if (options.checkServer) this.#check = new MixerTransport(options.checkServer, timeout);
    if (options.reportServer) {
      const report = options.reportServer === options.checkServer && this.#check ? this.#check : new MixerTransport(options.reportServer, timeout);
      this.#report = report;
      this.#batch = new ReportBatch({
        maxEntries: options.reportBatchMaxEntries,
        flushIntervalMs: options.reportBatchFlushMs,
        send: (request) => {
          this.stats.remoteReportCalls++;
          return report.reportEncoded(request);
        },
        onError: (err, dropped) => {
          this.stats.remoteReportErrors++;
          this.#logError(`mixer: report to ${options.reportServer} failed, ${dropped} dropped: ${err.message}`);
        },
      });
    }
  }

  /**
   * One Check on the wire. Without quota in it, requests whose bags agree on the attributes an
   * earlier answer referenced share a Check already in flight — so when a cached answer runs out
   * under load, one Check goes to Mixer instead of one per waiting request.
   */
  #remoteCheck(bag: Bag | AttributeSource, ask: Record<string, QuotaAsk>, askingQuota: boolean): Promise<CheckResponse> {
    const keys = askingQuota ? [] : this.#cache.keysOf(bag as Bag);
    for (const key of keys) {
      const shared = this.#inflight.get(key);
      if (shared) {
        this.stats.coalescedChecks++;
        return shared;
      }
    }
    this.stats.remoteCheckCalls++;
    const call = this.#check!.check(bag, ask, `${this.#dedupPrefix}-${++this.#dedupSeq}`).then((r) => {
      this.#cache.insert(bag as Bag, r);
      return r;
    });
    if (keys.length > 0) {
      for (const key of keys) this.#inflight.set(key, call);
      const done = () => {
        for (const key of keys) if (this.#inflight.get(key) === call) this.#inflight.delete(key);
      };
      call.then(done, done);
    }
    return call;
  }

  /** May this request go ahead, with this quota? Always a promise (see `decide` for the hot path). */
  async check(bag: Bag | AttributeSource, quotas: readonly QuotaRequirement[] = []): Promise<CheckOutcome> {
    return this.decide(bag, quotas);
  }

  /**
   * The same decision as `check`, but answered synchronously — no promise, no microtask — when
   * the cache and the quota pools can answer it, which under steady traffic is nearly always; a
   * promise only when Mixer has to be asked. The bag is read only at the attributes earlier
   * answers referenced (plus quota dimensions), so a lazily computed bag stays mostly unbuilt.
   */
  decide(bag: Bag | AttributeSource, quotas: readonly QuotaRequirement[] = NO_QUOTAS): CheckOutcome | Promise<CheckOutcome> {
    if (!this.#check) return DISABLED;
    this.stats.checkCalls++;
    // An AttributeSource that is also a Bag (getters per attribute, as the proxy filter's is) is read in place.
    const values = bag as Bag;
    const cached = this.#cache.lookup(values);
    if (cached) this.stats.checkCacheHits++;
    else this.stats.checkCacheMisses++;
    if (cached && cached.code !== CODE.OK) return { status: cached, source: 'cache' };
    if (quotas.length === 0) return cached ? CACHED_OK : this.#ask(bag, NO_ASK, NO_TAKEN, quotas);
    // Quota the pools hold is taken now; the rest is asked of Mixer in the same Check.
    let ask: Record<string, QuotaAsk> | undefined;
    let taken: { key: string; amount: number }[] | undefined;
    for (const q of quotas) {
      this.stats.quotaCalls++;
      if (this.#allocationQuotas.has(q.name)) {
        // Prefetched allocation would be held by nobody: ask for exactly this request's amount.
        (ask ??= {})[q.name] = { amount: q.amount, bestEffort: false };
        continue;
      }
      const key = this.#poolKey(q.name, values);
      if (this.#pools.take(key, q.amount)) {
        this.stats.quotaPoolHits++;
        (taken ??= []).push({ key, amount: q.amount });
      } else (ask ??= {})[q.name] = this.#pools.askFor(key, q.amount);
    }
    if (cached && !ask) return CACHED_OK;
    return this.#ask(bag, ask ?? NO_ASK, taken ?? NO_TAKEN, quotas);
  }

  /** The part of a decision that waits on Mixer: the Check on the wire, then quota grants into the pools. */
  async #ask(bag: Bag | AttributeSource, ask: Record<string, QuotaAsk>, taken: readonly { key: string; amount: number }[], quotas: readonly QuotaRequirement[]): Promise<CheckOutcome> {
    const values = bag as Bag;
    const askingQuota = ask !== NO_ASK;
    const started = performance.now();
    let r: CheckResponse;
    try {
      r = await this.#remoteCheck(bag, ask, askingQuota);
    } catch (err) {
      this.stats.remoteCheckErrors++;
      for (const t of taken) this.#pools.giveBack(t.key, t.amount);
      this.#logError(`mixer: check at ${this.options.checkServer} failed (${this.#failOpen ? 'failing open' : 'failing closed'}): ${(err as Error).message}`);
      if (this.#failOpen) {
        this.stats.failOpen++;
        return { status: OK, source: 'fail-open' };
      }
      this.stats.failClosed++;
      return { status: { code: CODE.UNAVAILABLE, message: `mixer ${this.options.checkServer} is unreachable` }, source: 'fail-closed' };
    } finally {
      this.stats.observeLatency(performance.now() - started);
    }
    if (r.status.code !== CODE.OK) {
      for (const t of taken) this.#pools.giveBack(t.key, t.amount);
      return { status: r.status, source: 'mixer' };
    }
    // First whether every quota was granted, then what to keep: a denied request holds nothing.
    let denied: Status | undefined;
    for (const q of quotas) {
      const result = ask[q.name] ? r.quotas[q.name] : undefined;
      if (!result) continue; // Not asked (pooled), or Mixer had no rule for this quota: nothing to charge.
      this.#quotaRefs.set(q.name, result.referencedAttributes);
      if (result.allocation) this.#allocationQuotas.add(q.name);
      else this.#allocationQuotas.delete(q.name);
      if (!denied && (result.status.code !== CODE.OK || result.grantedAmount < q.amount)) {
        denied = result.status.code !== CODE.OK ? result.status : { code: CODE.RESOURCE_EXHAUSTED, message: `quota ${q.name} is exhausted` };
      }
    }
    let held: QuotaRequirement[] | undefined;
    let surplus: QuotaRequirement[] | undefined;
    for (const q of quotas) {
      const result = ask[q.name] ? r.quotas[q.name] : undefined;
      if (!result || result.grantedAmount <= 0) continue;
      if (result.allocation) {
        // What the request cannot use (it was denied, or asked for more before the quota was
        // known to be an allocation) goes back to Mixer now rather than being held by nobody.
        const keep = denied ? 0 : Math.min(q.amount, result.grantedAmount);
        if (keep > 0) (held ??= []).push({ name: q.name, amount: keep });
        if (result.grantedAmount > keep) (surplus ??= []).push({ name: q.name, amount: result.grantedAmount - keep });
        continue;
      }
      // A partial best-effort grant, or one a denied request cannot use, still feeds the pool.
      this.#pools.grant(this.#poolKey(q.name, values), result.grantedAmount, denied ? 0 : q.amount, result.validDurationMs);
    }
    if (surplus) this.#releaseQuietly(bag, surplus);
    if (denied) {
      for (const t of taken) this.#pools.giveBack(t.key, t.amount);
      return { status: denied, source: 'mixer' };
    }
    return held ? { status: OK, source: 'mixer', allocations: held } : { status: OK, source: 'mixer' };
  }

  /**
   * Gives back allocation quota (a CheckOutcome's `allocations`) with the bag the Check was made
   * with, so Mixer resolves the same counters. Resolves to what Mixer released per quota; a
   * failed call is retried once with the same dedup id (so it is not applied twice), then rejects.
   */
  async release(bag: Bag | AttributeSource, quotas: readonly QuotaRequirement[], dedupId?: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    if (!this.#check || quotas.length === 0) return out;
    const amounts: Record<string, number> = {};
    for (const q of quotas) amounts[q.name] = (amounts[q.name] ?? 0) + q.amount;
    const id = dedupId ?? `${this.#dedupPrefix}-r${++this.#dedupSeq}`;
    let r;
    try {
      this.stats.remoteReleaseCalls++;
      r = await this.#check.release(bag, amounts, id);
    } catch {
      this.stats.remoteReleaseCalls++;
      try {
        r = await this.#check.release(bag, amounts, id);
      } catch (err) {
        this.stats.remoteReleaseErrors++;
        this.#logError(`mixer: release at ${this.options.checkServer} failed, ${JSON.stringify(amounts)} stays allocated: ${(err as Error).message}`);
        throw err;
      }
    }
    for (const [name, q] of Object.entries(r.quotas)) out[name] = q.releasedAmount;
    return out;
  }

  /** `release` for callers with nothing to do on failure (it is counted and logged). */
  #releaseQuietly(bag: Bag | AttributeSource, quotas: readonly QuotaRequirement[]): void {
    this.release(bag, quotas).catch(() => undefined);
  }

  /** Queues a request's attributes for the next Report batch (encoded at once: see report-batch.ts). */
  report(bag: Bag | AttributeSource): void {
    if (!this.#batch) return;
    this.stats.reportCalls++;
    this.#batch.add(bag);
  }

  /** Sends waiting reports now. */
  flush(): Promise<void> {
    return this.#batch?.flush() ?? Promise.resolve();
  }

  /** Tokens the quota pool holds for a quota and bag (tests, debugging). */
  pooledQuota(name: string, bag: Bag): number {
    return this.#pools.pooled(this.#poolKey(name, bag));
  }

  async close(): Promise<void> {
    await this.#batch?.close();
    this.#check?.close();
    if (this.#report !== this.#check) this.#report?.close();
  }

  #poolKey(name: string, bag: Bag): string {
    const refs = this.#quotaRefs.get(name);
    let key = `${name}\u0000`;
    if (!refs) return key;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i]!;
      const v = bag[r.name];
      const inner = r.mapKey !== undefined && v && typeof v === 'object' ? (v as Record<string, string>)[r.mapKey] : v;
      key += `${i > 0 ? '\u0001' : ''}${inner === undefined ? '\u0000-' : JSON.stringify(inner)}`;
    }
    return key;
  }

  /** At most one line a second: an unreachable Mixer must not flood the proxy's log. */
  #logError(line: string): void {
    const now = Date.now();
    if (now - this.#lastErrorLog < 1000) return;
    this.#lastErrorLog = now;
    this.#log(line);
  }
}
