// The Mixer filter's config. Envoy has no proto for it any more, so it travels as Envoy's
// standard xds.type.v3.TypedStruct (`type_url` isthmus.mixer.v1.HttpClientConfig, a Struct
// `value`), which hcm-config.ts unwraps into plain JSON under the inner type URL. Field names
// follow Istio's old mixer filter (HttpClientConfig, ServiceConfig, QuotaSpec) where it had one:
//
//   transport: {check_server: "host:port", report_server: "host:port",
//               network_fail_policy: {policy: FAIL_OPEN | FAIL_CLOSE}, timeout_ms}
//   mixer_attributes: {attributes: {"destination.service.host": "…", "destination.labels": {…}}}
//   disable_check_calls, disable_report_calls
//   quota_specs: [{quota: "requestcount", charge: 1}]
//   cache: {max_entries}, quota_prefetch: {max_amount}, report_batch: {max_entries, flush_interval_ms}
//
// A route's typed_per_filter_config (ServiceConfig) may set disable_check_calls and
// disable_report_calls for that route. Nothing here says whether a quota is a rate or an
// allocation: Mixer's Check answer does, and the filter releases allocation quota at stream end.
import type { AttributeValue } from '../../../mixer/attributes/types.js';
import type { MixerClientOptions } from '../../../mixerclient/index.js';
import type { Fields } from '../stream.js';
import { asFields, bool, checkType, list, message, reject, str } from './config-fields.js';

export const MIXER_FILTER_TYPE = 'type.googleapis.com/isthmus.mixer.v1.HttpClientConfig';
export const MIXER_PER_ROUTE_TYPE = 'type.googleapis.com/isthmus.mixer.v1.ServiceConfig';
export const MIXER_FILTER_NAME = 'isthmus.mixer';

export interface MixerFilterConfig {
  checkServer: string;
  reportServer: string;
  failOpen: boolean;
  timeoutMs: number;
  /** The workload's own attributes (destination.* on an inbound listener). */
  attributes: Readonly<Record<string, AttributeValue>>;
  disableCheck: boolean;
  disableReport: boolean;
  quotas: { name: string; amount: number }[];
  cacheMaxEntries: number;
  quotaMaxPrefetch: number;
  reportBatchMaxEntries: number;
  reportBatchFlushMs: number;
}

export interface MixerRouteConfig {
  disableCheck: boolean;
  disableReport: boolean;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

function address(value: unknown, field: string): string {
  const s = str(value, field);
  if (s !== '' && !HOST_PORT.test(s)) reject(field, `"${s}" is not host:port (e.g. "127.0.0.1:9091")`);
  return s;
}

function count(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) reject(field, `${String(value)} is not a whole number ≥ ${min}`);
  return value;
}

function attributes(value: unknown, field: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, v] of Object.entries(message(value, field) ?? {})) {
    const at = `${field}.${name}`;
    if (typeof v === 'string' || typeof v === 'boolean') out[name] = v;
    else if (typeof v === 'number') out[name] = v;
    else if (asFields(v) && Object.values(v as Fields).every((x) => typeof x === 'string')) out[name] = Object.freeze({ ...(v as Record<string, string>) });
    else reject(at, 'must be a string, number, boolean or a map of strings');
  }
  return out;
}

/** The Mixer client a filter with this config uses (shared per setup by mixerclient/shared.ts); the HTTP and TCP filters both ask here. */
export function mixerClientOptions(c: MixerFilterConfig): Omit<MixerClientOptions, 'log' | 'now'> {
  return {
    checkServer: c.disableCheck ? '' : c.checkServer,
    reportServer: c.disableReport ? '' : c.reportServer,
    failOpen: c.failOpen,
    timeoutMs: c.timeoutMs,
    cacheMaxEntries: c.cacheMaxEntries,
    quotaMaxPrefetch: c.quotaMaxPrefetch,
    reportBatchMaxEntries: c.reportBatchMaxEntries,
    reportBatchFlushMs: c.reportBatchFlushMs,
  };
}

export function readMixerConfig(config: Fields): MixerFilterConfig {
  checkType(config, MIXER_FILTER_TYPE);
  const transport = message(config.transport, 'transport') ?? {};
  const policy = str(message(transport.network_fail_policy, 'transport.network_fail_policy')?.policy, 'transport.network_fail_policy.policy') || 'FAIL_CLOSE';
  if (policy !== 'FAIL_OPEN' && policy !== 'FAIL_CLOSE') reject('transport.network_fail_policy.policy', `${policy} is not FAIL_OPEN or FAIL_CLOSE`);
  const quotas = list(config.quota_specs, 'quota_specs').map((q, i) => {
    const f = message(q, `quota_specs[${i}]`)!;
    const name = str(f.quota, `quota_specs[${i}].quota`);
    if (name === '') reject(`quota_specs[${i}].quota`, 'is required (the quota instance name in Mixer\'s config)');
    return { name, amount: count(f.charge, `quota_specs[${i}].charge`, 1, 1) };
  });
  const cfg: MixerFilterConfig = {
    checkServer: address(transport.check_server, 'transport.check_server'),
    reportServer: address(transport.report_server, 'transport.report_server'),
    failOpen: policy === 'FAIL_OPEN',
    timeoutMs: count(transport.timeout_ms, 'transport.timeout_ms', 1000, 1),
    attributes: attributes(message(config.mixer_attributes, 'mixer_attributes')?.attributes, 'mixer_attributes.attributes'),
    disableCheck: bool(config.disable_check_calls, 'disable_check_calls'),
    disableReport: bool(config.disable_report_calls, 'disable_report_calls'),
    quotas,
    cacheMaxEntries: count(message(config.cache, 'cache')?.max_entries, 'cache.max_entries', 10_000, 0),
    quotaMaxPrefetch: count(message(config.quota_prefetch, 'quota_prefetch')?.max_amount, 'quota_prefetch.max_amount', 20, 1),
    reportBatchMaxEntries: count(message(config.report_batch, 'report_batch')?.max_entries, 'report_batch.max_entries', 1000, 1),
    reportBatchFlushMs: count(message(config.report_batch, 'report_batch')?.flush_interval_ms, 'report_batch.flush_interval_ms', 1000, 1),
  };
  if (!cfg.disableCheck && cfg.checkServer === '' && cfg.quotas.length > 0) reject('transport.check_server', 'is required when quota_specs are set');
  return cfg;
}

export function readMixerRouteConfig(config: Fields): MixerRouteConfig {
  checkType(config, MIXER_PER_ROUTE_TYPE);
  return { disableCheck: bool(config.disable_check_calls, 'disable_check_calls'), disableReport: bool(config.disable_report_calls, 'disable_report_calls') };
}
