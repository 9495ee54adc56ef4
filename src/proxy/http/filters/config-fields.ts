// Readers over a filter's typed_config in protobufjs object form (snake_case fields, wrappers as
// `{value}`, int64 as strings, enums as names) that turn an ill-typed or out-of-range field into
// a FilterConfigError naming the field, so the listener's NACK says exactly what to fix.
import { FilterConfigError } from '../filter.js';
import type { Fields } from '../stream.js';

export function reject(field: string, reason: string): never {
  throw new FilterConfigError(field, reason);
}

export function asFields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

/** A sub-message: undefined when absent, rejected when present but not an object. */
export function message(value: unknown, field: string): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  return asFields(value) ?? reject(field, 'is not a message');
}

export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : reject(field, 'is not a list');
}

export function str(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : reject(field, 'is not a string');
}

export function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  return typeof value === 'boolean' ? value : reject(field, 'is not a boolean');
}

/** uint32/uint64 fields (uint64 arrives as a decimal string). */
export function uint(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : reject(field, `${String(value)} is not an unsigned integer`);
}

/** google.protobuf.UInt32Value / UInt64Value: `{value}`; undefined when unset. */
export function wrappedUint(value: unknown, field: string): number | undefined {
  const w = message(value, field);
  return w === undefined ? undefined : uint(w.value, `${field}.value`);
}

/** google.protobuf.BoolValue: `{value}`; undefined when unset. */
export function wrappedBool(value: unknown, field: string): boolean | undefined {
  const w = message(value, field);
  return w === undefined ? undefined : bool(w.value, `${field}.value`);
}

/** google.protobuf.Duration in milliseconds; undefined when unset. */
export function durationMs(value: unknown, field: string): number | undefined {
  const d = message(value, field);
  if (d === undefined) return undefined;
  const seconds = Number(d.seconds ?? 0);
  const nanos = Number(d.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) reject(field, 'is not a duration');
  if (seconds < 0 || nanos < 0) reject(field, 'is negative');
  return seconds * 1000 + nanos / 1e6;
}

/** An enum as its name (or number), checked against the names it may take. */
export function enumName<T extends string>(value: unknown, names: readonly T[], field: string, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value]!;
  if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
  return reject(field, `${String(value)} is not one of ${names.join(', ')}`);
}

/** The `@type` of a typed_config must be the one the factory serves (when it is given at all). */
export function checkType(config: Fields, typeUrl: string, field = '@type'): void {
  const t = config['@type'];
  if (t !== undefined && t !== typeUrl) reject(field, `is ${String(t)}, expected ${typeUrl}`);
}
