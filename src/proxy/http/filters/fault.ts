// The fault injection filter (envoy.extensions.filters.http.fault.v3.HTTPFault), which carries
// Istio's VirtualService `fault`: delay a fraction of requests before they go upstream (flag DI),
// then abort a fraction with an HTTP status or, for gRPC, a trailers-only grpc-status (flag FI).
// A per-route HTTPFault replaces the listener's. Faults can be narrowed to an upstream cluster,
// request headers and downstream nodes, capped by max_active_faults, and — only when the config
// says header_delay / header_abort / header_limit — chosen by the client's x-envoy-fault-*
// headers. The random draws and the delay's sleep are injectable so tests need not gamble.
import { setTimeout as sleep } from 'node:timers/promises';
import { headerMatches } from '../../router/string-matcher.js';
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { Fields, HttpStream, ResponseHead } from '../stream.js';
import { checkType } from './config-fields.js';
import { readFaultSettings, type FaultSettings } from './fault-settings.js';
import { requestHeader } from './header-map.js';
import { fractionHit, type Fraction } from './percent.js';
import { mostSpecific } from './per-route.js';
import { throttleTransform } from './throttle.js';

export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

const HEADER = {
  abort: 'x-envoy-fault-abort-request',
  abortGrpc: 'x-envoy-fault-abort-grpc-request',
  abortPercentage: 'x-envoy-fault-abort-request-percentage',
  delay: 'x-envoy-fault-delay-request',
  delayPercentage: 'x-envoy-fault-delay-request-percentage',
  throughput: 'x-envoy-fault-throughput-response',
  throughputPercentage: 'x-envoy-fault-throughput-response-percentage',
  downstreamNode: 'x-envoy-downstream-service-node',
} as const;

export interface FaultFilterDeps {
  /** Uniform in [0, 1); Math.random by default. */
  random?: () => number;
  /** Waits out a delay; timers/promises setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
}

/** A client-supplied number: only the first value counts (the header is untrusted). */
function headerNumber(stream: HttpStream, name: string): number | undefined {
  const raw = stream.request.headers[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined || !/^\s*\d+\s*$/.test(first)) return undefined;
  const n = Number(first);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A header-controlled fault's fraction: the header's numerator, never above the config's. */
function headerFraction(stream: HttpStream, name: string, configured: Fraction): Fraction {
  const n = headerNumber(stream, name);
  return n === undefined ? configured : { numerator: Math.min(n, configured.numerator), denominator: configured.denominator };
}

class FaultFilter implements HttpFilter {
  /** Delays in progress across this listener's streams, for max_active_faults. */
  private active = 0;
  private readonly perRoute = new WeakMap<Fields, FaultSettings | undefined>();
  /** Response rate limits decided on the request, applied when the response starts. */
  private readonly throttled = new WeakMap<HttpStream, number>();

  constructor(
    private readonly own: FaultSettings,
    private readonly ctx: FilterContext,
    private readonly random: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  private settings(stream: HttpStream): FaultSettings | undefined {
    const config = mostSpecific(stream, this.ctx.name);
    if (!config) return this.own;
    if (!this.perRoute.has(config)) {
      let s: FaultSettings | undefined;
      try {
        s = readFaultSettings(config);
      } catch (err) {
        // validatePerRoute rejects such a route table first; never fail a request over it.
        this.ctx.log(`fault: ignoring a bad per-route config: ${(err as Error).message}`);
      }
      this.perRoute.set(config, s);
    }
    return this.perRoute.get(config);
  }

  private targeted(s: FaultSettings, stream: HttpStream): boolean {
    if (s.upstreamCluster !== '') {
      const action = stream.route?.action;
      const cluster = stream.upstream?.cluster ?? (action?.kind === 'cluster' ? action.cluster : undefined);
      if (cluster !== s.upstreamCluster) return false;
    }
    if (s.downstreamNodes.size > 0) {
      const node = requestHeader(stream.request, HEADER.downstreamNode);
      if (node === undefined || !s.downstreamNodes.has(node)) return false;
    }
    return s.headers.every((h) => headerMatches(h, requestHeader(stream.request, String(h.name))));
  }

  private delayMs(s: FaultSettings, stream: HttpStream): number | undefined {
    if (!s.delay) return undefined;
    const fixed = s.delay.fixedMs;
    const pct = fixed !== undefined ? s.delay.percentage : headerFraction(stream, HEADER.delayPercentage, s.delay.percentage);
    if (!fractionHit(pct, this.random)) return undefined;
    const ms = fixed ?? headerNumber(stream, HEADER.delay);
    return ms !== undefined && ms > 0 ? ms : undefined;
  }

  /** The abort to inject, if this request draws one: an HTTP status and maybe a gRPC status. */
  private abort(s: FaultSettings, stream: HttpStream): { status: number; grpcStatus?: number } | undefined {
    const a = s.abort;
    if (!a) return undefined;
    const fromHeader = a.httpStatus === undefined && a.grpcStatus === undefined;
    const pct = fromHeader ? headerFraction(stream, HEADER.abortPercentage, a.percentage) : a.percentage;
    if (!fractionHit(pct, this.random)) return undefined;
    if (!fromHeader) return a.httpStatus !== undefined ? { status: a.httpStatus } : { status: 200, grpcStatus: a.grpcStatus };
    const http = headerNumber(stream, HEADER.abort);
    if (http !== undefined && http >= 200 && http < 600) return { status: http };
    const grpc = headerNumber(stream, HEADER.abortGrpc);
    // As in Envoy, a gRPC abort answers 200 with the grpc-status (trailers-only for gRPC callers).
    return grpc !== undefined ? { status: 200, grpcStatus: grpc } : undefined;
  }

  private maybeThrottle(s: FaultSettings, stream: HttpStream): void {
    const rl = s.responseRateLimit;
    if (!rl) return;
    const kbps = rl.kbps ?? headerNumber(stream, HEADER.throughput);
    if (kbps === undefined || kbps === 0) return;
    const pct = rl.kbps !== undefined ? rl.percentage : headerFraction(stream, HEADER.throughputPercentage, rl.percentage);
    if (fractionHit(pct, this.random)) this.throttled.set(stream, kbps);
  }

  private injectAbort(s: FaultSettings, stream: HttpStream): FilterStatus {
    const abort = this.abort(s, stream);
    if (!abort) return 'continue';
    stream.responseFlags.add('FI');
    stream.sendLocalReply({ ...abort, body: 'fault filter abort', flag: 'FI', details: 'fault_filter_abort' });
    return 'stop';
  }

  private async delayThenAbort(s: FaultSettings, stream: HttpStream, ms: number): Promise<FilterStatus> {
    stream.responseFlags.add('DI');
    this.active++;
    try {
      await this.sleep(ms);
    } finally {
      this.active--;
    }
    if (stream.done) return 'stop';
    return this.injectAbort(s, stream);
  }

  decodeHeaders(stream: HttpStream): FilterStatus | Promise<FilterStatus> {
    const s = this.settings(stream);
    if (!s || (!s.delay && !s.abort && !s.responseRateLimit)) return 'continue';
    if (s.maxActiveFaults !== undefined && this.active >= s.maxActiveFaults) return 'continue';
    if (!this.targeted(s, stream)) return 'continue';
    this.maybeThrottle(s, stream);
    const ms = this.delayMs(s, stream);
    if (ms !== undefined) return this.delayThenAbort(s, stream, ms);
    return this.injectAbort(s, stream);
  }

  encodeHeaders(stream: HttpStream, _head: ResponseHead): void {
    const kbps = this.throttled.get(stream);
    if (kbps === undefined) return;
    this.throttled.delete(stream);
    stream.responseTransforms.push(throttleTransform(kbps));
  }
}

/** A fault filter factory with its randomness and sleep injected (tests). */
export function createFaultFilterFactory(deps: FaultFilterDeps = {}): HttpFilterFactory {
  const random = deps.random ?? Math.random;
  const wait = deps.sleep ?? ((ms: number) => sleep(ms).then(() => undefined));
  return {
    typeUrl: FAULT_TYPE,
    create(config: Fields, ctx: FilterContext): HttpFilter {
      checkType(config, FAULT_TYPE);
      return new FaultFilter(readFaultSettings(config), ctx, random, wait);
    },
    validatePerRoute(config: Fields): void {
      checkType(config, FAULT_TYPE);
      readFaultSettings(config);
    },
  };
}

export const faultFilter: HttpFilterFactory = createFaultFilterFactory();
