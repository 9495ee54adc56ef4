// The request rewrites a RouteAction asks for before forwarding: path prefix or RE2 regex
// rewrite, and the Host/:authority rewrite (literal, or the upstream host's own name).
import { compileRe2 } from '../../api/fields/re2.js';

type Fields = Record<string, unknown>;

export interface Rewritten {
  path: string;
  authority: string;
}

const regexes = new Map<string, RegExp>();

/** RE2 checked, then run as a JS global RegExp: the patterns Envoy accepts that JS also accepts. */
function globalRegex(pattern: string): RegExp {
  let re = regexes.get(pattern);
  if (!re) {
    compileRe2(pattern);
    re = new RegExp(pattern, 'g');
    regexes.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Envoy's substitution syntax uses \1 for groups; JS uses $1. */
function jsSubstitution(s: string): string {
  return s.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
}

export function rewriteRequest(action: Fields, route: Fields, path: string, authority: string): Rewritten {
  let out = path;
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q);
  const match = (route.match ?? {}) as Fields;
  if (typeof action.prefix_rewrite === 'string') {
    const prefix = typeof match.prefix === 'string' ? match.prefix : typeof match.path === 'string' ? match.path : typeof match.path_separated_prefix === 'string' ? match.path_separated_prefix : '';
    out = action.prefix_rewrite + bare.slice(prefix.length) + query;
  } else if (action.regex_rewrite) {
    const rr = action.regex_rewrite as { pattern?: { regex?: string }; substitution?: string };
    const pattern = rr.pattern?.regex;
    if (pattern !== undefined) out = bare.replace(globalRegex(pattern), jsSubstitution(rr.substitution ?? '')) + query;
  }
  let host = authority;
  if (typeof action.host_rewrite_literal === 'string' && action.host_rewrite_literal !== '') host = action.host_rewrite_literal;
  return { path: out === '' ? '/' : out, authority: host };
}
