// Istio (through Envoy) evaluates regexes with Google RE2. JavaScript's RegExp accepts things RE2
// rejects (lookaround, backreferences) and the other way round (RE2's `(?i)` inline flags), so
// validation compiles the pattern with RE2 itself (re2-wasm) instead of trusting `new RegExp`.
import { z } from 'zod';
import { re2Error } from './re2.js';

export { compileRe2, re2Error } from './re2.js';

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
