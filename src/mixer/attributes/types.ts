// The value types of Mixer attributes and of expressions over them (Istio's ValueType), and the
// JavaScript values that carry each at run time.

export const VALUE_TYPES = [
  'STRING', 'INT64', 'DOUBLE', 'BOOL', 'TIMESTAMP', 'DURATION', 'BYTES', 'STRING_MAP',
  'IP_ADDRESS', 'EMAIL_ADDRESS', 'DNS_NAME', 'URI',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/**
 * A duration as a distinct class so it never passes for a plain number (INT64/DOUBLE). Nanosecond
 * precision is not kept: milliseconds as a double carry microseconds exactly enough for latencies.
 */
export class Duration {
  constructor(readonly ms: number) {}
  toString(): string {
    return `${this.ms}ms`;
  }
}

/** A string map such as `request.headers` or `source.labels`. */
export type StringMap = Readonly<Record<string, string>>;

/**
 * Run-time representation: STRING, EMAIL_ADDRESS, DNS_NAME and URI → string; INT64 and DOUBLE →
 * number (INT64 beyond 2^53 loses precision); BOOL → boolean; TIMESTAMP → Date; DURATION →
 * Duration; BYTES and IP_ADDRESS → Uint8Array (4 or 16 bytes for an IP); STRING_MAP → StringMap.
 */
export type AttributeValue = string | number | boolean | Date | Duration | Uint8Array | StringMap;

/** The run-time check that a value has a type: used on attributes that arrive over the wire. */
export function valueHasType(v: AttributeValue, t: ValueType): boolean {
  switch (t) {
    case 'STRING': case 'EMAIL_ADDRESS': case 'DNS_NAME': case 'URI': return typeof v === 'string';
    case 'INT64': return typeof v === 'number' && Number.isInteger(v);
    case 'DOUBLE': return typeof v === 'number';
    case 'BOOL': return typeof v === 'boolean';
    case 'TIMESTAMP': return v instanceof Date;
    case 'DURATION': return v instanceof Duration;
    case 'BYTES': case 'IP_ADDRESS': return v instanceof Uint8Array;
    case 'STRING_MAP': return isStringMap(v);
  }
}

export function isStringMap(v: unknown): v is StringMap {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Duration) && !(v instanceof Uint8Array);
}
