// `exportTo`: the namespaces a networking resource is visible to. "." is the resource's own
// namespace, "*" every namespace, and (ServiceEntry only) "~" no namespace at all.
import { z } from 'zod';
import { isDnsLabel } from './net-address.js';

export function exportTo(opts: { allowNone?: boolean } = {}) {
  return z.array(z.string()).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      const special = entry === '.' || entry === '*' || (opts.allowNone && entry === '~');
      if (!special && !isDnsLabel(entry)) {
        const extra = opts.allowNone ? ', "~" (nobody)' : '';
        ctx.addIssue({ code: 'custom', path: [i], message: `"${entry}" is not a namespace`, params: { hint: `use ".", "*"${extra} or a namespace name` } });
      }
      if (seen.has(entry)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${entry}" is listed twice`, params: { hint: 'remove the duplicate' } });
      }
      seen.add(entry);
    });
    for (const exclusive of ['*', '~']) {
      const at = list.indexOf(exclusive);
      if (at >= 0 && list.length > 1) {
        const what = exclusive === '*' ? 'all namespaces ("*")' : 'no namespace ("~")';
        ctx.addIssue({ code: 'custom', path: [at], message: `exporting to ${what} cannot be combined with other entries`, params: { hint: `keep only "${exclusive}" or remove it` } });
      }
    }
  });
}
