// The HttpConnectionManager's path normalization, applied to :path before routing and before any
// filter (authorization above all) sees it, so `/./admin`, `/a/../admin`, `//admin` or `%2Fadmin`
// reach a rule in the one form it was written for. Envoy's order:
//  1. path_with_escaped_slashes_action on %2F / %5C (any case): keep them, reject the request
//     (400), or unescape them to "/" and "\" and then forward or redirect (307) to the result;
//  2. normalize_path (RFC 3986): unreserved characters are percent-decoded (%41 → A, %2E → .),
//     "\" becomes "/", and "." / ".." segments are removed (never above the root);
//  3. merge_slashes: runs of "/" become one.
// The query string is never touched. Case is never changed: `/ADMIN` stays `/ADMIN` (as in Envoy
// and Istio), so a rule on `/admin` does not cover it.
import { reject as rejectResource } from '../xds-client/fields.js';
import { FilterConfigError } from './filter.js';
import { enumName, message, reject, wrappedBool } from './filters/config-fields.js';
import type { Fields, RequestHead } from './stream.js';

export const ESCAPED_SLASHES_ACTIONS = [
  'IMPLEMENTATION_SPECIFIC_DEFAULT', 'KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD',
] as const;
export type EscapedSlashesAction = (typeof ESCAPED_SLASHES_ACTIONS)[number];

export interface PathNormalization {
  normalizePath: boolean;
  mergeSlashes: boolean;
  escapedSlashes: EscapedSlashesAction;
}

export const NO_PATH_NORMALIZATION: PathNormalization = Object.freeze({ normalizePath: false, mergeSlashes: false, escapedSlashes: 'KEEP_UNCHANGED' });

/** The three HCM fields; Envoy's defaults leave the path alone. A bad one rejects the listener. */
export function readPathNormalization(hcm: Fields, field: string): PathNormalization {
  try {
    return readFields(hcm, field);
  } catch (err) {
    if (err instanceof FilterConfigError) rejectResource(err.field, err.reason);
    throw err;
  }
}

function readFields(hcm: Fields, field: string): PathNormalization {
  const normalizePath = wrappedBool(hcm.normalize_path, `${field}.normalize_path`) ?? false;
  if (hcm.merge_slashes !== undefined && typeof hcm.merge_slashes !== 'boolean') reject(`${field}.merge_slashes`, 'is not a boolean');
  let escapedSlashes = enumName(hcm.path_with_escaped_slashes_action, ESCAPED_SLASHES_ACTIONS, `${field}.path_with_escaped_slashes_action`, 'KEEP_UNCHANGED');
  if (escapedSlashes === 'IMPLEMENTATION_SPECIFIC_DEFAULT') escapedSlashes = 'KEEP_UNCHANGED';
  if (message(hcm.path_normalization_options, `${field}.path_normalization_options`) !== undefined) {
    reject(`${field}.path_normalization_options`, 'is not supported by this proxy');
  }
  return { normalizePath, mergeSlashes: hcm.merge_slashes === true, escapedSlashes };
}

export type NormalizedPath =
  | { kind: 'forward'; path: string }
  | { kind: 'reject'; details: string }
  | { kind: 'redirect'; path: string };

const ESCAPED_SLASH = /%(2f|5c)/i;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function unescapeSlashes(path: string): string {
  return path.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
}

/** Percent-decodes unreserved characters only; other escapes (%2F, %20, …) stay as written. */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (whole, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : whole;
  });
}

/** RFC 3986 section 5.2.4 over "/"-separated segments; ".." at the root stays at the root. */
export function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..' && out.length > 1) out.pop();
      if (last) out.push(''); // "/a/." → "/a/", "/a/b/.." → "/a/"
      return;
    }
    out.push(seg);
  });
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

export function canonicalPath(path: string): string {
  return removeDotSegments(decodeUnreserved(path).replace(/\\/g, '/'));
}

export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}

/** Applies the connection manager's normalization to a path with its query string. */
export function normalizeRequestPath(pathWithQuery: string, n: PathNormalization): NormalizedPath {
  // Only origin-form paths; `*` (OPTIONS *) and anything odd is left for the router to refuse.
  if (!pathWithQuery.startsWith('/')) return { kind: 'forward', path: pathWithQuery };
  const q = pathWithQuery.indexOf('?');
  let path = q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
  const query = q < 0 ? '' : pathWithQuery.slice(q);
  let unescaped = false;
  if (n.escapedSlashes !== 'KEEP_UNCHANGED' && ESCAPED_SLASH.test(path)) {
    if (n.escapedSlashes === 'REJECT_REQUEST') return { kind: 'reject', details: 'escaped_slashes_in_path' };
    path = unescapeSlashes(path);
    unescaped = true;
  }
  if (n.normalizePath) path = canonicalPath(path);
  if (n.mergeSlashes) path = mergeSlashes(path);
  if (unescaped && n.escapedSlashes === 'UNESCAPE_AND_REDIRECT') return { kind: 'redirect', path: `${path}${query}` };
  return { kind: 'forward', path: `${path}${query}` };
}

/**
 * The connection manager's step: rewrites `request.path` in place and returns undefined, or
 * returns the reply (400 or 307) the client gets instead of routing.
 */
export function applyPathNormalization(request: RequestHead, n: PathNormalization | undefined): { status: number; headers: Record<string, string>; body: string; details: string } | undefined {
  if (!n || (!n.normalizePath && !n.mergeSlashes && n.escapedSlashes === 'KEEP_UNCHANGED')) return undefined;
  const r = normalizeRequestPath(request.path, n);
  if (r.kind === 'forward') {
    request.path = r.path;
    return undefined;
  }
  if (r.kind === 'reject') return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Bad Request', details: r.details };
  return { status: 307, headers: { location: r.path }, body: '', details: 'path_normalization_redirect' };
}
