// A subscription's resource names as one string key, for caches shared between streams that ask
// for the same set. Computed once per names array (TypeWatch keeps one array per subscription).
const namesKeys = new WeakMap<readonly string[], string>();

export function namesKey(names: readonly string[] | undefined): string {
  if (names === undefined) return '*';
  let key = namesKeys.get(names);
  if (key === undefined) {
    key = JSON.stringify([...names].sort()); // unambiguous even for names holding commas
    namesKeys.set(names, key);
  }
  return key;
}

