// A strict look at a resource's plain object before protobufjs encodes it. protobufjs's
// fromObject silently drops what it does not know — a misspelt field, an enum name that does
// not exist, a nested Any whose '@type' is not loaded — and the proxy would then receive a
// config that differs from what translation meant, with nothing in any log. Here each of
// those is an error that names the path.

import protobuf from 'protobufjs';
import { ResourceEncodeError } from './errors.js';

const ANY = '.google.protobuf.Any';

export function checkShape(root: protobuf.Root, type: protobuf.Type, value: unknown, resourceName: string): void {
  checkMessage(root, type, value, resourceName, '');
}

function fail(resourceName: string, at: string, problem: string): never {
  throw new ResourceEncodeError(resourceName, at, problem);
}

function join(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}

function checkMessage(root: protobuf.Root, type: protobuf.Type, value: unknown, resource: string, at: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(resource, at, `expected an object for ${type.fullName.slice(1)}`);
  }
  const object = value as Record<string, unknown>;
  if (type.fullName === ANY && typeof object['@type'] === 'string') {
    checkPackedAny(root, object, resource, at);
    return;
  }
  for (const [key, fieldValue] of Object.entries(object)) {
    const field = type.fields[key];
    if (!field) {
      const hint = type.fieldsArray.find((f) => f.name.toLowerCase().replace(/_/g, '') === key.toLowerCase().replace(/_/g, ''));
      fail(resource, join(at, key), `${type.fullName.slice(1)} has no field "${key}"${hint ? ` (did you mean "${hint.name}"?)` : ''}`);
    }
    if (fieldValue === undefined || fieldValue === null) continue;
    checkField(root, field, fieldValue, resource, join(at, key));
  }
}

function checkPackedAny(root: protobuf.Root, object: Record<string, unknown>, resource: string, at: string): void {
  const url = object['@type'] as string;
  const name = url.slice(url.lastIndexOf('/') + 1);
  const packed = root.lookup(name);
  if (!(packed instanceof protobuf.Type)) {
    fail(resource, join(at, '@type'), `type ${name} is not loaded (add its .proto to XDS_PROTO_FILES)`);
  }
  const { '@type': _type, ...fields } = object;
  checkMessage(root, packed, fields, resource, at);
}

function checkField(root: protobuf.Root, field: protobuf.Field, value: unknown, resource: string, at: string): void {
  if (field.map) {
    if (typeof value !== 'object' || Array.isArray(value)) fail(resource, at, 'expected an object (a map)');
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      checkSingle(root, field, entry, resource, `${at}[${JSON.stringify(key)}]`);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) fail(resource, at, 'expected an array');
    value.forEach((item, i) => checkSingle(root, field, item, resource, `${at}[${i}]`));
    return;
  }
  checkSingle(root, field, value, resource, at);
}

function checkSingle(root: protobuf.Root, field: protobuf.Field, value: unknown, resource: string, at: string): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkMessage(root, resolved, value, resource, at);
    return;
  }
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'number') return;
    if (typeof value !== 'string' || !(value in resolved.values)) {
      fail(resource, at, `${JSON.stringify(value)} is not one of ${Object.keys(resolved.values).join(', ')}`);
    }
    return;
  }
  checkScalar(field.type, value, resource, at);
}

const NUMERIC = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function checkScalar(type: string, value: unknown, resource: string, at: string): void {
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : type === 'bytes'
          ? value instanceof Uint8Array || typeof value === 'string'
          : NUMERIC.has(type)
            ? typeof value === 'number'
            : LONG.has(type)
              ? typeof value === 'number' || (typeof value === 'string' && /^-?\d+$/.test(value))
              : true;
  if (!ok) fail(resource, at, `expected ${type}, got ${JSON.stringify(value)}`);
}
