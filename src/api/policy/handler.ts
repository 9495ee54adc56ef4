// config.istio.io/v1alpha2 handler: an adapter (compiledAdapter, as Istio ≥ 1.1 writes it) and its
// params, validated by the adapter's own schema.
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { nearest } from '../schema-walk.js';
import { adapterNamed, adapterNames } from '../../mixer/adapters/catalog.js';
import { checkParamsWith } from './adapter-params.js';

export const handlerSpec = obj({
  compiledAdapter: z.string().min(1).optional(),
  /** Older spelling of compiledAdapter. */
  adapter: z.string().min(1).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
}).superRefine((h, ctx) => {
  const name = h.compiledAdapter ?? h.adapter;
  if (h.compiledAdapter !== undefined && h.adapter !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['adapter'], message: 'only one of compiledAdapter, adapter may be set', params: { hint: 'keep compiledAdapter' } });
    return;
  }
  if (name === undefined) {
    ctx.addIssue({ code: 'custom', path: ['compiledAdapter'], message: 'a handler needs an adapter', params: { code: 'MISSING_FIELD', hint: `set compiledAdapter to one of ${adapterNames().join(', ')}` } });
    return;
  }
  const info = adapterNamed(name);
  if (!info) {
    const guess = nearest(name, adapterNames());
    ctx.addIssue({ code: 'custom', path: [h.compiledAdapter !== undefined ? 'compiledAdapter' : 'adapter'], message: `unknown adapter "${name}"`, params: { hint: `${guess ? `did you mean "${guess}"? ` : ''}adapters: ${adapterNames().join(', ')}` } });
    return;
  }
  checkParamsWith(info.params, h.params, ctx);
});
export type HandlerSpec = z.output<typeof handlerSpec>;
