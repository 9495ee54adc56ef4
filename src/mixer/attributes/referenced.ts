// What a decision read from the bag: each attribute (and, for maps, each key) together with
// whether it was present. A client may reuse a Check result for any later bag that agrees on
// exactly these, so recording too little would make its cache wrong, and too much only less useful.

export type ReferenceCondition = 'EXACT' | 'ABSENCE';

export interface ReferencedAttribute {
  name: string;
  /** For a map lookup `name["key"]`: the key; absent when the whole value was read. */
  mapKey?: string;
  condition: ReferenceCondition;
}

export class ReferenceTracker {
  readonly #seen = new Map<string, ReferencedAttribute>();

  attribute(name: string, present: boolean): void {
    this.#add({ name, condition: present ? 'EXACT' : 'ABSENCE' });
  }

  mapKey(name: string, key: string, present: boolean): void {
    this.#add({ name, mapKey: key, condition: present ? 'EXACT' : 'ABSENCE' });
  }

  #add(r: ReferencedAttribute): void {
    const id = r.mapKey === undefined ? r.name : `${r.name}\u0000${r.mapKey}`;
    if (!this.#seen.has(id)) this.#seen.set(id, r);
  }

  /** Sorted by name then key, so equal decisions report equal lists. */
  list(): ReferencedAttribute[] {
    return [...this.#seen.values()].sort((a, b) => (a.name === b.name ? ((a.mapKey ?? '') < (b.mapKey ?? '') ? -1 : 1) : a.name < b.name ? -1 : 1));
  }
}
