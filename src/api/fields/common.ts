// Field types shared by many Istio kinds. Object schemas are strict so unknown fields are errors;
// "exactly one of" groups (protobuf oneofs) are one object with a refinement, never a z.union,
// so errors can always name the field the user wrote.
import { z } from 'zod';
import { re2Pattern } from './regex.js';

export { duration, parseDuration } from './duration.js';
export { re2Pattern, re2Error, compileRe2 } from './regex.js';

/** A strict object: unknown keys are errors that list the valid fields. */
export function obj<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape);
}

/** Requires that at most one (or, with required, exactly one) of `keys` is set: a protobuf oneof. */
export function oneOf<T extends z.ZodTypeAny>(schema: T, keys: readonly string[], opts: { required?: boolean } = {}) {
  return schema.superRefine((value, ctx) => {
    if (value === null || typeof value !== 'object') return;
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length > 1) {
      ctx.addIssue({ code: 'custom', path: [set[1] as string], message: `only one of ${keys.join(', ')} may be set, but ${set.join(' and ')} are`, params: { hint: `keep one of ${set.join(', ')}` } });
    } else if (set.length === 0 && opts.required) {
      ctx.addIssue({ code: 'custom', message: `one of ${keys.join(', ')} is required`, params: { hint: `set exactly one of ${keys.join(', ')}` } });
    }
  });
}

export const port = z.number().int().min(1).max(65535);
/** Percentages as Istio's `Percent` message: a double 0–100. */
export const percentValue = z.number().min(0).max(100);
export const percent = obj({ value: percentValue });
export const uint32 = z.number().int().min(0).max(4294967295);
export const int32 = z.number().int().min(-2147483648).max(2147483647);
export const nonNegativeInt = z.number().int().min(0);

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes label maps: keys `[prefix/]name`, values up to 63 characters. */
export const labels = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const [k, v] of Object.entries(map)) {
    if (!LABEL_KEY.test(k)) {
      ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" is not a valid label key`, params: { hint: 'use [a-z0-9.-]/ followed by a name of letters, digits, "-", "_" or "." (at most 63)' } });
    }
    if (v.length > 63 || !LABEL_VALUE.test(v)) {
      ctx.addIssue({ code: 'custom', path: [k], message: `"${v}" is not a valid label value`, params: { hint: 'at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit' } });
    }
  }
});

/** `selector: {matchLabels: …}` as in Istio's WorkloadSelector. */
export const workloadSelector = obj({ matchLabels: labels.optional() });

/** Istio's StringMatch: exactly one of exact, prefix, regex (RE2). */
export const stringMatch = oneOf(
  obj({ exact: z.string().optional(), prefix: z.string().optional(), regex: re2Pattern().optional() }),
  ['exact', 'prefix', 'regex'],
  { required: true },
);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (namespaces, port names in some places). */
export const dns1123Label = z.string().max(63).regex(DNS1123_LABEL, {
  message: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
});

/**
 * A host as Istio writes it in VirtualService/ServiceEntry/DestinationRule: a DNS name or short
 * name of lowercase DNS-1123 labels, optionally with `*` as the whole leftmost label
 * (`*.example.com`), or `*` alone — Istio's ValidateWildcardDomain.
 */
export const hostName = z.string().min(1).superRefine((h, ctx) => {
  if (h === '*') return;
  const body = h.startsWith('*.') ? h.slice(2) : h;
  const ok = body.length > 0 && body.length <= 253 && body.split('.').every((l) => l.length <= 63 && DNS1123_LABEL.test(l));
  if (!ok) {
    const hint = h.startsWith('*') && !h.startsWith('*.')
      ? 'a wildcard must be the whole leftmost label, e.g. "*.example.com"'
      : 'use lowercase DNS labels such as "reviews", "reviews.default.svc.cluster.local" or a wildcard "*.example.com"';
    ctx.addIssue({ code: 'custom', message: `"${h}" is not a valid host`, params: { hint } });
  }
});
