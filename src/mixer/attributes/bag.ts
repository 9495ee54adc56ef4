// An attribute bag: the named, typed values describing one request or connection. The server
// builds one per Check or Report entry; expressions read it through `get` only.
import type { AttributeValue } from './types.js';

export interface AttributeBag {
  get(name: string): AttributeValue | undefined;
  names(): Iterable<string>;
}

export class MapBag implements AttributeBag {
  readonly #values: ReadonlyMap<string, AttributeValue>;
  constructor(values: Iterable<readonly [string, AttributeValue]> | Record<string, AttributeValue>) {
    this.#values = new Map(Symbol.iterator in values ? (values as Iterable<readonly [string, AttributeValue]>) : Object.entries(values));
  }
  get(name: string): AttributeValue | undefined {
    return this.#values.get(name);
  }
  names(): Iterable<string> {
    return this.#values.keys();
  }
}
