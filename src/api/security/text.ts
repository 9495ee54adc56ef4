// Small string and list schemas whose errors carry our own wording. (The shared issue formatter
// words length errors generically, "the string is too short", so rules that have a better
// explanation state it through a custom issue instead.)
import { z } from 'zod';

/** A string that must not be empty, with a problem and hint that say why. */
export function nonEmptyText(problem: string, hint: string) {
  return z.string().superRefine((s, ctx) => {
    if (s === '') ctx.addIssue({ code: 'custom', message: problem, params: { hint } });
  });
}

/** A list that, when present, must have between min and max items. */
export function listOf<T extends z.ZodTypeAny>(item: T, rule: { min?: number; max?: number; problem: string; hint: string }) {
  return z.array(item).superRefine((list, ctx) => {
    if ((rule.min !== undefined && list.length < rule.min) || (rule.max !== undefined && list.length > rule.max)) {
      ctx.addIssue({ code: 'custom', message: rule.problem, params: { hint: rule.hint } });
    }
  });
}
