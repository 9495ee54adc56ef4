// Route actions other than forwarding (redirect, direct response) and path rewrites.
import type { HTTPDirectResponse, HTTPMatchRequest, HTTPRedirect, HTTPRewrite } from '../../api/networking/virtual-service.js';
import { safeRegex } from './match.js';

const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT',
};

export function redirectAction(r: HTTPRedirect): Record<string, unknown> {
  const out: Record<string, unknown> = { response_code: REDIRECT_CODES[r.redirectCode ?? 301] ?? 'MOVED_PERMANENTLY' };
  if (r.uri) out.path_redirect = r.uri;
  if (r.authority) out.host_redirect = r.authority;
  if (r.port !== undefined) out.port_redirect = r.port;
  if (r.scheme) out.scheme_redirect = r.scheme;
  return out;
}

export function directResponseAction(d: HTTPDirectResponse): Record<string, unknown> {
  const out: Record<string, unknown> = { status: d.status };
  if (d.body?.string !== undefined) out.body = { inline_string: d.body.string };
  else if (d.body?.bytes !== undefined) out.body = { inline_bytes: d.body.bytes };
  return out;
}

/**
 * rewrite.uri replaces the matched prefix (prefix_rewrite), which for an exact match is the
 * whole path; after a regex match there is no prefix, so the whole path is replaced by regex.
 */
export function rewriteFields(r: HTTPRewrite | undefined, matches: readonly HTTPMatchRequest[] | undefined): Record<string, unknown> {
  if (!r) return {};
  if (r.uriRegexRewrite?.match && r.uriRegexRewrite.rewrite !== undefined) {
    return { regex_rewrite: { pattern: safeRegex(r.uriRegexRewrite.match), substitution: r.uriRegexRewrite.rewrite } };
  }
  if (r.uri === undefined) return {};
  const regexMatch = (matches ?? []).some((m) => m.uri?.regex !== undefined);
  if (regexMatch) return { regex_rewrite: { pattern: safeRegex('^.*$'), substitution: r.uri } };
  return { prefix_rewrite: r.uri };
}
