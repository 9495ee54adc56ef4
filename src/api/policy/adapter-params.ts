// Validates a handler's or instance's `params` with the schema its adapter or template declares,
// re-rooting each problem under `params` so the error names the YAML line the user wrote.
import type { z } from 'zod';
import { fieldsAt, nearest } from '../schema-walk.js';

type Ctx = z.core.$RefinementCtx;

export function checkParamsWith(schema: z.ZodTypeAny, params: unknown, ctx: Ctx): void {
  const r = schema.safeParse(params ?? {});
  if (r.success) return;
  for (const issue of r.error.issues) {
    const path = ['params', ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const valid = fieldsAt(schema, issue.path) ?? [];
      for (const key of issue.keys) {
        const guess = nearest(key, valid);
        ctx.addIssue({ code: 'custom', path: [...path, key], message: `unknown field "${key}"`, params: { code: 'UNKNOWN_FIELD', hint: `${guess ? `did you mean "${guess}"? ` : ''}valid fields here: ${valid.join(', ')}` } });
      }
      continue;
    }
    ctx.addIssue({ ...issue, path } as Parameters<Ctx['addIssue']>[0]);
  }
}
