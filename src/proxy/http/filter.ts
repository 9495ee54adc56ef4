// The HTTP filter contract, after Envoy's: filters run in the listener's configured order on the
// request (decode) and in reverse on the response (encode). Each returns a status saying whether
// the chain continues; a filter that answered locally stops it. A filter may be async (a fault
// delay, a rate limiter waiting for a token) by returning a promise of its status.
import type { StreamSummary } from './observer.js';
import type { Fields, HttpStream, ResponseHead } from './stream.js';

export type FilterStatus = 'continue' | 'stop';

export interface HttpFilter {
  /** Request headers arrived and the route is chosen. */
  decodeHeaders?(stream: HttpStream): FilterStatus | Promise<FilterStatus>;
  /**
   * Response headers are about to go downstream (from upstream or a local reply). May change
   * `head` in place and add body transforms to `stream.responseTransforms`.
   */
  encodeHeaders?(stream: HttpStream, head: ResponseHead): void | Promise<void>;
  /**
   * The stream is over (response sent, or the client gone): the final byte counts and duration,
   * for filters that report after the fact (Mixer's Report). Must not throw.
   */
  onStreamComplete?(summary: StreamSummary): void;
}

/** Everything a filter instance may need from the proxy around it. */
export interface FilterContext {
  /** The filter's name in the chain (`envoy.filters.http.fault` …), for per-route lookups. */
  name: string;
  log(line: string): void;
}

/**
 * Builds a filter from its typed_config (decoded object form, `@type` included). Throwing a
 * FilterConfigError rejects the listener (its LDS update is NACKed with the message).
 */
export interface HttpFilterFactory {
  /** The typed_config type URL this factory understands. */
  readonly typeUrl: string;
  /** Validates and prepares the config once per listener update. */
  create(config: Fields, ctx: FilterContext): HttpFilter;
  /** Checks a typed_per_filter_config entry; throw FilterConfigError when it is bad. */
  validatePerRoute?(config: Fields): void;
}

export class FilterConfigError extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'FilterConfigError';
  }
}
