// Envoy's StringMatcher and HeaderMatcher semantics over plain request values, shared by the
// route matcher's header and query-parameter checks.
import { compileRe2 } from '../../api/fields/re2.js';

type Fields = Record<string, unknown>;

const compiled = new Map<string, { test(s: string): boolean }>();

/** Full-string RE2 match, as Envoy's safe_regex; patterns are compiled once. */
export function regexMatches(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = compileRe2(pattern);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

export function stringMatches(m: Fields, value: string): boolean {
  const ci = m.ignore_case === true;
  const v = ci ? value.toLowerCase() : value;
  const norm = (s: unknown) => (ci ? String(s).toLowerCase() : String(s));
  if (m.exact !== undefined) return v === norm(m.exact);
  if (m.prefix !== undefined) return v.startsWith(norm(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(norm(m.suffix));
  if (m.contains !== undefined) return v.includes(norm(m.contains));
  const re = m.safe_regex as { regex?: string } | undefined;
  if (re?.regex !== undefined) return regexMatches(re.regex, value);
  return true;
}

/**
 * An Envoy HeaderMatcher against a header's value (undefined when absent). As in Envoy, an
 * absent header matches only an inverted presence check — unless
 * treat_missing_header_as_empty, which Istio sets for withoutHeaders, makes it "".
 */
export function headerMatches(h: Fields, value: string | undefined): boolean {
  const invert = h.invert_match === true;
  const presence = h.present_match !== undefined;
  let v = value;
  if (v === undefined) {
    if (presence || h.treat_missing_header_as_empty !== true) return invert && presence;
    v = '';
  }
  let result: boolean;
  if (presence) result = h.present_match === true;
  else if (h.string_match) result = stringMatches(h.string_match as Fields, v);
  else if (h.exact_match !== undefined) result = v === h.exact_match;
  else if (h.prefix_match !== undefined) result = v.startsWith(String(h.prefix_match));
  else if (h.suffix_match !== undefined) result = v.endsWith(String(h.suffix_match));
  else if (h.safe_regex_match) result = regexMatches(String((h.safe_regex_match as Fields).regex), v);
  else result = true;
  return result !== invert;
}
