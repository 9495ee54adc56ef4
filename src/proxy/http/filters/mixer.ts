// The Mixer HTTP filter (Istio's `mixer` filter before 1.5): Check before the request goes
// upstream — answered from the client library's cache and quota pool when it can be — and
// Report once the response starts. A denial is answered locally with the HTTP status for its
// code (PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, …) and Istio's body
// `<CODE>:<message>`. One Mixer client per Mixer setup is shared by every listener in the process
// (mixerclient/shared.ts). A route's ServiceConfig may turn checks or reports off for it.
//
// The hot path is a warm cache: then decodeHeaders answers synchronously (no promise, no
// microtask), reading only the attributes the cached decision referenced from a lazy bag
// (mixer-attributes.ts). The bag waits on the stream's filter state until the stream is over,
// when Report encodes it straight into the batch's bytes.
//
// A quota Mixer counts as an allocation (no validDuration: `maxAmount` in use at once) is held by
// the request from its Check until the stream is over, then released — so such a quota bounds
// the requests in flight. Only a request that holds one pays for this (allocation quota is never
// answered from the cache or the pool, so its Check is already a promise).
import { CODE } from '../../../mixer/adapters/status.js';
import { sharedMixerClient, type CheckOutcome, type MixerClient, type QuotaRequirement } from '../../../mixerclient/index.js';
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import { unwrapTypedStruct } from '../hcm-config.js';
import type { StreamSummary } from '../observer.js';
import type { Fields, HttpStream } from '../stream.js';
import { ReportedAttributes, RequestBag, requestBagFactory } from './mixer-attributes.js';
import { MIXER_FILTER_TYPE, mixerClientOptions, readMixerConfig, readMixerRouteConfig, type MixerFilterConfig, type MixerRouteConfig } from './mixer-config.js';
import { mostSpecific } from './per-route.js';

export { MIXER_FILTER_TYPE, MIXER_PER_ROUTE_TYPE, MIXER_FILTER_NAME } from './mixer-config.js';

/** google.rpc.Code → HTTP status, as Istio's filter maps a Check status. */
const HTTP_STATUS: Record<number, number> = {
  1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};
/** What a request holds until it is over: allocation quota and the bag its Check resolved it with. */
interface HeldQuota {
  bag: RequestBag;
  allocations: readonly QuotaRequirement[];
}

const ignore = () => undefined;

const CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE',
  15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

export function httpStatusForCode(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}

class MixerFilter implements HttpFilter {
  private readonly perRoute = new WeakMap<Fields, MixerRouteConfig>();
  private readonly newBag: (stream: HttpStream) => RequestBag;
  /** The stream's filter-state key for its bag (one per filter instance: two Mixer filters keep two). */
  private readonly stateKey: string;
  private readonly heldKey: string;

  constructor(private readonly config: MixerFilterConfig, private readonly client: MixerClient, private readonly ctx: FilterContext) {
    this.newBag = requestBagFactory(config.attributes);
    this.stateKey = `isthmus.mixer.bag:${ctx.name}`;
    this.heldKey = `isthmus.mixer.held:${ctx.name}`;
  }

  private routeConfig(stream: HttpStream): MixerRouteConfig | undefined {
    const entry = mostSpecific(stream, this.ctx.name);
    if (!entry) return undefined;
    let c = this.perRoute.get(entry);
    if (!c) {
      try {
        c = readMixerRouteConfig(unwrapTypedStruct(entry));
      } catch (err) {
        // validatePerRoute rejects such a table first; a bad entry falls back to the filter's own settings.
        this.ctx.log(`mixer: ignoring a bad per-route config: ${(err as Error).message}`);
        c = { disableCheck: this.config.disableCheck, disableReport: this.config.disableReport };
      }
      this.perRoute.set(entry, c);
    }
    return c;
  }

  decodeHeaders(stream: HttpStream): FilterStatus | Promise<FilterStatus> {
    const route = this.routeConfig(stream);
    const check = !(route?.disableCheck ?? this.config.disableCheck) && this.config.checkServer !== '';
    const report = !(route?.disableReport ?? this.config.disableReport) && this.config.reportServer !== '';
    if (!check && !report) return 'continue';
    const bag = this.newBag(stream);
    if (report) {
      bag.snapshot();
      stream.filterState.set(this.stateKey, bag);
    }
    if (!check) return 'continue';
    const outcome = this.client.decide(bag, this.config.quotas);
    if (outcome instanceof Promise) return outcome.then((o) => this.admit(stream, bag, o));
    return this.admit(stream, bag, outcome);
  }

  /** Lets the request go on, or answers it with the denial. */
  private admit(stream: HttpStream, bag: RequestBag, outcome: CheckOutcome): FilterStatus {
    bag.checkHit = outcome.source === 'cache';
    if (outcome.allocations) this.hold(stream, bag, outcome.allocations);
    if (outcome.status.code === CODE.OK) return 'continue';
    const name = CODE_NAMES[outcome.status.code] ?? `CODE_${outcome.status.code}`;
    stream.sendLocalReply({
      status: httpStatusForCode(outcome.status.code),
      body: `${name}:${outcome.status.message}`,
      headers: { 'content-type': 'text/plain' },
      grpcStatus: outcome.status.code,
      details: `mixer_check_denied{${name}}`,
      ...(outcome.status.code === CODE.RESOURCE_EXHAUSTED ? { flag: 'RL' as const } : {}),
    });
    return 'stop';
  }

  /** Keeps granted allocation quota with the stream, to be released when it is over. */
  private hold(stream: HttpStream, bag: RequestBag, allocations: readonly QuotaRequirement[]): void {
    // The client left while the Check was in flight: the stream is over already.
    if (stream.done) {
      this.client.release(bag, allocations).catch(ignore);
      return;
    }
    // Release must resolve the same dimensions, whatever later filters do to the headers.
    bag.snapshot();
    stream.filterState.set(this.heldKey, { bag, allocations } satisfies HeldQuota);
  }

  /** Reported once the stream is over, with the bytes actually sent and the whole duration. */
  onStreamComplete(summary: StreamSummary): void {
    if (this.config.quotas.length > 0) {
      const held = summary.stream.filterState.get(this.heldKey) as HeldQuota | undefined;
      // Failures are counted and logged by the client; the grant stays allocated in Mixer.
      if (held) this.client.release(held.bag, held.allocations).catch(ignore);
    }
    const bag = summary.stream.filterState.get(this.stateKey) as RequestBag | undefined;
    if (!bag) return;
    this.client.report(new ReportedAttributes(bag, summary));
  }
}

export const mixerFilter: HttpFilterFactory = {
  typeUrl: MIXER_FILTER_TYPE,
  create(config: Fields, ctx: FilterContext): HttpFilter {
    const c = readMixerConfig(config);
    const client = sharedMixerClient(mixerClientOptions(c), ctx.log);
    return new MixerFilter(c, client, ctx);
  },
  validatePerRoute(config: Fields): void {
    readMixerRouteConfig(unwrapTypedStruct(config));
  },
};
