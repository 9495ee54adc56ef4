// Small builders for protobuf well-known shapes in protobufjs object form: Durations, wrapper
// values, FractionalPercent and `Any`.
import { parseDuration } from '../../api/fields/duration.js';

export type Duration = {
  seconds: number;
  nanos: number;
};

export function durationFromMs(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Go-style duration string ("1.5s") as a protobuf Duration; undefined when absent/invalid. */
export function duration(text: string | undefined): Duration | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  return ms === undefined ? undefined : durationFromMs(ms);
}

export function u32(value: number): { value: number } {
  return { value };
}

export function bool(value: boolean): { value: boolean } {
  return { value };
}

export function any(typeUrl: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@type': typeUrl, ...fields };
}

export interface FractionalPercent {
  numerator: number;
  denominator: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

/** A percentage (0–100, fractions allowed) as the coarsest exact FractionalPercent. */
export function fractionalPercent(percent: number): FractionalPercent {
  const p = Math.min(100, Math.max(0, percent));
  if (Number.isInteger(p)) return { numerator: p, denominator: 'HUNDRED' };
  if (Number.isInteger(Math.round(p * 100 * 1e6) / 1e6)) return { numerator: Math.round(p * 100), denominator: 'TEN_THOUSAND' };
  return { numerator: Math.round(p * 10_000), denominator: 'MILLION' };
}

/** The ADS config source: every dynamic resource comes over the same stream. */
export function adsConfigSource(): Record<string, unknown> {
  return { ads: {}, resource_api_version: 'V3' };
}

export function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}
