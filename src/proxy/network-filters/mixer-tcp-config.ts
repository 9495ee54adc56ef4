// The Mixer TCP filter's config: Istio's TcpClientConfig, carried like the HTTP filter's as an
// xds.type.v3.TypedStruct (type_url isthmus.mixer.v1.TcpClientConfig, a Struct value). It shares
// the HTTP config's fields — transport, mixer_attributes, disable_check_calls,
// disable_report_calls, quota_specs (charged once per connection), cache, quota_prefetch,
// report_batch — read by the HTTP filter's reader, plus Istio's one TCP field:
//
//   report_interval: "10s"   how often a live connection reports (connection.event "continue");
//                            a Duration in proto3 JSON ("0.25s") or {seconds, nanos}; default 10 s
import { checkType, message, reject } from '../http/filters/config-fields.js';
import { MIXER_FILTER_TYPE, readMixerConfig, type MixerFilterConfig } from '../http/filters/mixer-config.js';

type Fields = Record<string, unknown>;

export const MIXER_TCP_FILTER_TYPE = 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig';

/** Istio's default report_interval. */
export const DEFAULT_REPORT_INTERVAL_MS = 10_000;

export interface MixerTcpConfig extends MixerFilterConfig {
  reportIntervalMs: number;
}

/** A google.protobuf.Duration as JSON ("1.5s") or as a message ({seconds, nanos}), in milliseconds. */
function durationMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  let ms: number;
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d{1,9})?)s$/.exec(value);
    if (!m) reject(field, `"${value}" is not a duration (seconds with an "s", e.g. "10s" or "0.5s")`);
    ms = Number(m[1]) * 1000;
  } else {
    const d = message(value, field)!;
    const seconds = Number(d.seconds ?? 0);
    const nanos = Number(d.nanos ?? 0);
    if (!Number.isFinite(seconds) || !Number.isFinite(nanos) || seconds < 0 || nanos < 0) reject(field, 'is not a non-negative duration');
    ms = seconds * 1000 + nanos / 1e6;
  }
  if (ms <= 0) reject(field, 'must be longer than zero (leave it unset for Istio\'s 10s)');
  return ms;
}

export function readMixerTcpConfig(config: Fields): MixerTcpConfig {
  checkType(config, MIXER_TCP_FILTER_TYPE);
  const { report_interval: interval, ...shared } = config;
  return {
    ...readMixerConfig({ ...shared, '@type': MIXER_FILTER_TYPE }),
    reportIntervalMs: durationMs(interval, 'report_interval') ?? DEFAULT_REPORT_INTERVAL_MS,
  };
}
