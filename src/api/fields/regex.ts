// Istio (through Envoy) evaluates regexes with Google RE2. JavaScript's RegExp accepts things RE2
// rejects (lookaround, backreferences) and the other way round (RE2's `(?i)` inline flags), so
// validation compiles the pattern with RE2 itself (re2-wasm) instead of trusting `new RegExp`.
import { createRequire } from 'node:module';
import { z } from 'zod';

// re2-wasm is CommonJS only.
const { RE2 } = createRequire(import.meta.url)('re2-wasm') as {
  RE2: new (pattern: string, flags: string) => { test(s: string): boolean };
};

/** Returns RE2's complaint about a pattern, or undefined when RE2 accepts it. */
export function re2Error(pattern: string): string | undefined {
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
  return new RE2(`^(?:${pattern})$`, 'u');
}

export function re2Pattern() {
  return z.string().superRefine((pattern, ctx) => {
    const err = re2Error(pattern);
    if (err !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${pattern}" is not a valid RE2 regex: ${err}`,
        params: { hint: 'Istio uses RE2 syntax: no lookahead/lookbehind (?=…) (?<=…) and no backreferences \\1' },
      });
    }
  });
}
