// Encoding discovery responses without re-encoding their resources for every stream. Protobuf
// lets a message be written as several concatenated parts (repeated fields append), so a
// response is its small per-stream head (version, nonce, type) followed by each resource's
// field bytes, which are encoded once and shared by every stream that sends that resource.
import type protobuf from 'protobufjs';

/**
 * A serializer for `type` whose repeated `field` items are cached by `keyOf(item)`: the key must
 * be an object that fully determines the item's bytes.
 */
export function splicingSerializer<T extends Record<string, unknown>>(
  type: protobuf.Type,
  field: string,
  keyOf: (item: Record<string, unknown>) => object,
): (value: T) => Buffer {
  // One cache per serializer: the same key encodes differently in another message type.
  const encodedItems = new WeakMap<object, Buffer>();
  return (value) => {
    const items = (value[field] ?? []) as Record<string, unknown>[];
    const parts: Buffer[] = [Buffer.from(type.encode({ ...value, [field]: [] } as unknown as protobuf.Message).finish())];
    for (const item of items) {
      const key = keyOf(item);
      let bytes = encodedItems.get(key);
      if (!bytes) {
        bytes = Buffer.from(type.encode({ [field]: [item] } as unknown as protobuf.Message).finish());
        encodedItems.set(key, bytes);
      }
      parts.push(bytes);
    }
    return Buffer.concat(parts);
  };
}
