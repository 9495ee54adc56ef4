// The network filters the proxy runs ahead of a terminal filter, by the type URL of their config,
// and the reader that turns one filter_chains[].filters[] entry into a running filter.
import { FilterConfigError } from '../http/filter.js';
import { unwrapTypedStruct } from '../http/hcm-config.js';
import { asFields, reject } from '../xds-client/fields.js';
import type { NetworkFilter, NetworkFilterFactory } from './filter.js';
import { mixerTcpFilter } from './mixer-tcp.js';

export type { DownstreamConnection, NetworkFilter, NetworkFilterFactory, NetworkFilterStatus } from './filter.js';
export { admitConnection } from './admit.js';
export { MIXER_TCP_FILTER_TYPE } from './mixer-tcp-config.js';

export const NETWORK_FILTERS: ReadonlyMap<string, NetworkFilterFactory> = new Map([[mixerTcpFilter.typeUrl, mixerTcpFilter]]);

/** The inner type URL of a filter entry (a TypedStruct is named by what it wraps), '' when none. */
export function networkFilterType(entry: Record<string, unknown>): string {
  return String(unwrapTypedStruct(asFields(entry.typed_config) ?? {})['@type'] ?? '');
}

/** Builds one non-terminal network filter; a bad config rejects the listener naming the field. */
export function readNetworkFilter(entry: Record<string, unknown>, at: string, log: (line: string) => void): NetworkFilter {
  const name = String(entry.name ?? '');
  const config = unwrapTypedStruct(asFields(entry.typed_config) ?? {});
  const factory = NETWORK_FILTERS.get(String(config['@type'] ?? ''));
  if (!factory) reject(`${at}.typed_config`, `network filter "${name}" of type ${String(config['@type'] ?? '(none)')} is not supported`);
  try {
    return factory.create(config, { name, log });
  } catch (err) {
    if (err instanceof FilterConfigError) reject(`${at}.typed_config.${err.field}`, `filter "${name}": ${err.reason}`);
    throw err;
  }
}
