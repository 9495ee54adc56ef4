// config.istio.io/v1alpha2 instance: a template (compiledTemplate) whose fields are expressions
// over attributes, parsed and type-checked here so a typo is reported at its line and column.
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { nearest } from '../schema-walk.js';
import { STANDARD_VOCABULARY } from '../../mixer/attributes/vocabulary.js';
import { compileParams } from '../../mixer/templates/instance-params.js';
import { TEMPLATES, templateNamed } from '../../mixer/templates/templates.js';

const names = () => TEMPLATES.map((t) => t.name);

export const instanceSpec = obj({
  compiledTemplate: z.string().min(1).optional(),
  /** Older spelling of compiledTemplate. */
  template: z.string().min(1).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
}).superRefine((i, ctx) => {
  if (i.compiledTemplate !== undefined && i.template !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['template'], message: 'only one of compiledTemplate, template may be set', params: { hint: 'keep compiledTemplate' } });
    return;
  }
  const name = i.compiledTemplate ?? i.template;
  if (name === undefined) {
    ctx.addIssue({ code: 'custom', path: ['compiledTemplate'], message: 'an instance needs a template', params: { code: 'MISSING_FIELD', hint: `set compiledTemplate to one of ${names().join(', ')}` } });
    return;
  }
  const template = templateNamed(name);
  if (!template) {
    const guess = nearest(name, names());
    ctx.addIssue({ code: 'custom', path: [i.compiledTemplate !== undefined ? 'compiledTemplate' : 'template'], message: `unknown template "${name}"`, params: { hint: `${guess ? `did you mean "${guess}"? ` : ''}templates: ${names().join(', ')}` } });
    return;
  }
  for (const p of compileParams(template, i.params, STANDARD_VOCABULARY).problems) {
    ctx.addIssue({ code: 'custom', path: ['params', ...p.path], message: p.message, params: { hint: p.hint ?? '', code: p.message.startsWith('unknown field') ? 'UNKNOWN_FIELD' : p.message.startsWith('required') ? 'MISSING_FIELD' : 'INVALID_VALUE' } });
  }
});
export type InstanceSpec = z.output<typeof instanceSpec>;
