// config.istio.io/v1alpha2 rule: when `match` is true for a request, send the listed instances to
// each action's handler. The match is parsed and type-checked at load time.
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { STANDARD_VOCABULARY } from '../../mixer/attributes/vocabulary.js';
import { ExprError, compile } from '../../mixer/expr/index.js';

const action = obj({
  /** `name`, `name.namespace`, or Istio's `name.handler.namespace` / `name.<adapter>.namespace`. */
  handler: z.string().min(1),
  instances: z.array(z.string().min(1)).min(1),
  name: z.string().optional(),
});

export const ruleSpec = obj({
  /** Empty or absent: every request. */
  match: z.string().optional().superRefine((text, ctx) => {
    if (text === undefined || text.trim() === '') return;
    try {
      compile(text, STANDARD_VOCABULARY, 'BOOL');
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${e.message}`, params: { hint: 'see docs/attributes.md for attribute names and the expression language' } });
    }
  }),
  actions: z.array(action).optional(),
});
export type RuleSpec = z.output<typeof ruleSpec>;
