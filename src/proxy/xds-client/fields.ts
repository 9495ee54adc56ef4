// Small readers over a decoded resource (protobufjs object form, snake_case fields) that turn a
// missing or ill-typed field into a reason naming the resource and the field, so a NACK tells
// the control plane's operator exactly what to fix.
import { decodeAny } from '../../control/xds/protos.js';

export type Fields = Record<string, unknown>;

/** A decoder's verdict on one resource: the typed value, or why the proxy cannot serve it. */
export type Decoded<T> = { name: string; value: T } | { name: string; error: string };

/** Thrown inside a decoder, caught at its edge and turned into `{name, error}`. */
export class ResourceRejected extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'ResourceRejected';
  }
}

export function reject(field: string, reason: string): never {
  throw new ResourceRejected(field, reason);
}

export function asFields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

export function list(value: unknown): Fields[] {
  return Array.isArray(value) ? (value as Fields[]) : [];
}

/** google.protobuf.UInt32Value and friends, as `{value}`. */
export function wrapped(value: unknown): number | undefined {
  const v = asFields(value)?.value;
  return v === undefined ? undefined : Number(v);
}

/** google.protobuf.Duration in milliseconds (seconds arrive as a string: int64). */
export function durationMs(value: unknown): number | undefined {
  const d = asFields(value);
  if (!d) return undefined;
  return Number(d.seconds ?? 0) * 1000 + Number(d.nanos ?? 0) / 1e6;
}

/** A socket address `{address, port_value}`, checked. */
export function socketAddress(value: unknown, field: string): { host: string; port: number } {
  const sa = asFields(asFields(value)?.socket_address);
  if (!sa) return reject(field, 'has no socket_address (pipe and internal addresses are not supported)');
  const host = typeof sa.address === 'string' ? sa.address : '';
  if (host === '') reject(`${field}.socket_address.address`, 'is empty');
  const port = Number(sa.port_value ?? 0);
  if (sa.named_port !== undefined) reject(`${field}.socket_address.named_port`, 'is not supported; use port_value');
  if (!Number.isInteger(port) || port < 0 || port > 65535) reject(`${field}.socket_address.port_value`, `${String(sa.port_value)} is not a port`);
  return { host, port };
}

/** Runs a decoder body and turns a rejection into `{name, error}` naming the resource. */
export function decoding<T>(kind: string, name: string, body: () => T): Decoded<T> {
  try {
    return { name, value: body() };
  } catch (err) {
    if (err instanceof ResourceRejected) return { name, error: `${kind} "${name}": ${err.message}` };
    return { name, error: `${kind} "${name}": ${(err as Error).message}` };
  }
}

/** The wire form of a resource inside a DiscoveryResponse. */
export interface AnyResource {
  type_url: string;
  value: Uint8Array;
}

/**
 * Unpacks an Any of the expected type (nested Anys become `{'@type', ...fields}`) and hands its
 * fields to `body`. A resource that does not even decode has no name; its name is ''.
 */
export function decodeResource<T>(
  any: AnyResource,
  expected: { typeUrl: string; kind: string; nameField: string },
  body: (fields: Fields, name: string) => T,
): Decoded<T> {
  if (any.type_url !== expected.typeUrl) {
    return { name: '', error: `${expected.kind}: resource has type ${any.type_url}, expected ${expected.typeUrl}` };
  }
  let fields: Fields;
  try {
    fields = decodeAny(any);
  } catch (err) {
    return { name: '', error: `${expected.kind}: cannot decode the resource: ${(err as Error).message}` };
  }
  const name = typeof fields[expected.nameField] === 'string' ? (fields[expected.nameField] as string) : '';
  if (name === '') return { name, error: `${expected.kind}: ${expected.nameField} is empty` };
  return decoding(expected.kind, name, () => body(fields, name));
}
