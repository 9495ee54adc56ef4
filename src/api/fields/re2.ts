// Google RE2 (re2-wasm), loaded on first use: its WebAssembly heap costs about 12 MB of resident
// memory, which a proxy whose routes hold no regex never needs to pay. Envoy's safe_regex and
// regex_rewrite use RE2 semantics, so every regex the mesh runs or validates goes through here.
import { createRequire } from 'node:module';

export type Re2Constructor = new (pattern: string, flags: string) => RegExp;

let loaded: Re2Constructor | undefined;

/** The RE2 class (re2-wasm is CommonJS only, hence require). */
export function re2(): Re2Constructor {
  loaded ??= (createRequire(import.meta.url)('re2-wasm') as { RE2: Re2Constructor }).RE2;
  return loaded;
}

/** Returns RE2's complaint about a pattern, or undefined when RE2 accepts it. */
export function re2Error(pattern: string): string | undefined {
  const RE2 = re2();
  try {
    new RE2(pattern, 'u');
    return undefined;
  } catch (e) {
    const msg = (e as Error).message;
    // "Invalid regular expression: /x/u: invalid perl operator: (?=" → "invalid perl operator: (?="
    const at = msg.lastIndexOf('/u: ');
    return at >= 0 ? msg.slice(at + 4) : msg;
  }
}

/** Compiles an RE2 pattern for full-string matching, as Envoy's safe_regex does. */
export function compileRe2(pattern: string): { test(s: string): boolean } {
  const RE2 = re2();
  return new RE2(`^(?:${pattern})$`, 'u');
}
