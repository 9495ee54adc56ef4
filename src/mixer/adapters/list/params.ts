// list (Istio's listchecker): is a value in a list of strings, regexes or IP ranges? As a
// whitelist, absence denies; as a blacklist, presence denies.
import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, obj, re2Error } from '../../../api/fields/common.js';

export const LIST_ENTRY_TYPES = ['STRINGS', 'CASE_INSENSITIVE_STRINGS', 'IP_ADDRESSES', 'REGEX'] as const;

export const listParams = obj({
  /** Fetched and refreshed every refreshInterval: a JSON or YAML list, or one entry per line. */
  providerUrl: z.string().url().optional(),
  refreshInterval: duration({ minMs: 100 }).optional(),
  /** How long a fetched list stays usable when refreshes fail; after that checks fail UNAVAILABLE. */
  ttl: duration({ minMs: 100 }).optional(),
  cachingInterval: duration().optional(),
  cachingUseCount: z.number().int().min(0).optional(),
  /** Entries that are always in the list, with or without providerUrl. */
  overrides: z.array(z.string()).optional(),
  entryType: z.enum(LIST_ENTRY_TYPES).optional(),
  blacklist: z.boolean().optional(),
}).superRefine((p, ctx) => {
  const type = p.entryType ?? 'STRINGS';
  (p.overrides ?? []).forEach((entry, i) => {
    const problem = entryProblem(type, entry);
    if (problem) ctx.addIssue({ code: 'custom', path: ['overrides', i], message: problem.message, params: { hint: problem.hint } });
  });
  if (p.providerUrl === undefined && p.overrides === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a list needs entries', params: { hint: 'set overrides (inline entries), providerUrl (fetched), or both', code: 'MISSING_FIELD' } });
  }
});
export type ListParams = z.output<typeof listParams>;

export function entryProblem(type: (typeof LIST_ENTRY_TYPES)[number], entry: string): { message: string; hint: string } | undefined {
  if (type === 'REGEX') {
    const err = re2Error(entry);
    return err === undefined ? undefined : { message: `"${entry}" is not a valid RE2 regex: ${err}`, hint: 'RE2 has no lookaround or backreferences' };
  }
  if (type === 'IP_ADDRESSES') {
    const [addr, bits, extra] = entry.split('/');
    const family = isIP(addr ?? '');
    const max = family === 4 ? 32 : 128;
    const ok = family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max));
    return ok ? undefined : { message: `"${entry}" is not an IP address or CIDR range`, hint: 'e.g. 10.0.0.1, 10.0.0.0/8 or fd00::/8' };
  }
  return undefined;
}
