// Config-time checks of the StringMatchers and HeaderMatchers a filter config carries, so a bad
// RE2 pattern NACKs the listener or route table instead of failing requests later.
import { re2Error } from '../../../api/fields/re2.js';
import type { Fields } from '../stream.js';
import { message, reject } from './config-fields.js';

function checkRegex(value: unknown, field: string): void {
  const r = message(value, field) ?? reject(field, 'is not a RegexMatcher');
  if (typeof r.regex !== 'string') reject(`${field}.regex`, 'is required');
  const err = re2Error(r.regex);
  if (err !== undefined) reject(`${field}.regex`, `"${r.regex}" is not a valid RE2 regex: ${err}`);
}

const STRING_KINDS = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const;

export function checkStringMatcher(value: unknown, field: string): Fields {
  const m = message(value, field) ?? reject(field, 'is not a StringMatcher');
  const kinds = STRING_KINDS.filter((k) => m[k] !== undefined && m[k] !== null);
  if (kinds.length !== 1) reject(field, `needs exactly one of ${STRING_KINDS.join(', ')}`);
  if (kinds[0] === 'safe_regex') checkRegex(m.safe_regex, `${field}.safe_regex`);
  else if (typeof m[kinds[0]!] !== 'string') reject(`${field}.${kinds[0]}`, 'is not a string');
  return m;
}

export function checkHeaderMatcher(value: unknown, field: string): Fields {
  const h = message(value, field) ?? reject(field, 'is not a HeaderMatcher');
  if (typeof h.name !== 'string' || h.name === '') reject(`${field}.name`, 'is required');
  if (h.string_match !== undefined) checkStringMatcher(h.string_match, `${field}.string_match`);
  if (h.safe_regex_match !== undefined) checkRegex(h.safe_regex_match, `${field}.safe_regex_match`);
  if (h.range_match !== undefined) reject(`${field}.range_match`, 'is not supported');
  return h;
}
