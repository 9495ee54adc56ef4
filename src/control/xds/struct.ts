// google.protobuf.Struct <-> plain JSON. Node metadata arrives as a Struct; resources sometimes
// carry one (filter metadata). protobufjs ships its own copy of struct.proto whose Value fields
// are camelCase (`stringValue`), and clients built with other loaders send snake_case
// (`string_value`), so reading accepts both and writing uses the form our protobufjs root has.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type ProtoValue = Record<string, unknown>;

function pick(value: ProtoValue, camel: string, snake: string): unknown {
  return value[camel] !== undefined && value[camel] !== null ? value[camel] : value[snake];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A Struct in protobufjs/proto-loader object form (`{fields: {...}}`) as plain JSON. */
export function structToJson(struct: unknown): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (!isObject(struct) || !isObject(struct.fields)) return out;
  for (const [key, value] of Object.entries(struct.fields)) out[key] = valueToJson(value);
  return out;
}

export function valueToJson(value: unknown): JsonValue {
  if (!isObject(value)) return null;
  // proto-loader with `oneofs: true` names the set member in `kind`; use it when present so a
  // default-filled sibling (e.g. number_value: 0) cannot win.
  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  const member = (camel: string, snake: string): unknown =>
    kind !== undefined ? (kind === camel || kind === snake ? pick(value, camel, snake) : undefined) : pick(value, camel, snake);
  const str = member('stringValue', 'string_value');
  if (typeof str === 'string') return str;
  const num = member('numberValue', 'number_value');
  if (typeof num === 'number') return num;
  const bool = member('boolValue', 'bool_value');
  if (typeof bool === 'boolean') return bool;
  const struct = member('structValue', 'struct_value');
  if (isObject(struct)) return structToJson(struct);
  const list = member('listValue', 'list_value');
  if (isObject(list)) return Array.isArray(list.values) ? list.values.map(valueToJson) : [];
  return null;
}

/** Plain JSON as a Struct in the object form our protobufjs root encodes. */
export function jsonToStruct(json: Record<string, JsonValue>): { fields: Record<string, ProtoValue> } {
  const fields: Record<string, ProtoValue> = {};
  for (const [key, value] of Object.entries(json)) fields[key] = jsonToValue(value);
  return { fields };
}

function jsonToValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  return { structValue: jsonToStruct(value) };
}
