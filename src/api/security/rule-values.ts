// Checks on the string lists of an AuthorizationPolicy rule. Istio matches every such string as
// exact, prefix ("abc*"), suffix ("*abc") or presence ("*"), so a "*" anywhere else is a mistake
// that would silently match nothing; paths additionally accept the {*} and {**} path templates.
import { z } from 'zod';
import { IP_BLOCK_HINT, ipBlockProblem } from './ip-block.js';
import { nonEmptyText } from './text.js';

/** A list of non-empty strings: Istio rejects "" because it can never match. */
export const valueList = z.array(nonEmptyText('empty values are not allowed', 'remove the empty entry, or use "*" to require any non-empty value'));

function eachIssue(values: readonly string[], ctx: z.RefinementCtx, problem: (v: string) => { message: string; hint: string } | undefined) {
  values.forEach((v, i) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', path: [i], message: p.message, params: { hint: p.hint } });
  });
}

export const ipBlockList = valueList.superRefine((values, ctx) =>
  eachIssue(values, ctx, (v) => {
    const message = ipBlockProblem(v);
    return message ? { message, hint: IP_BLOCK_HINT } : undefined;
  }));

/** Returns a problem for a port written as a string ("8080"); Istio allows 0..65535. */
export function portStringProblem(v: string): { message: string; hint: string } | undefined {
  if (/^\d+$/.test(v) && Number(v) <= 65535) return undefined;
  return { message: `"${v}" is not a port number`, hint: 'write ports as quoted numbers from 0 to 65535, e.g. "8080"' };
}

export const portList = valueList.superRefine((values, ctx) => eachIssue(values, ctx, portStringProblem));

const TEMPLATE_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** Returns a problem for an HTTP path pattern, or undefined when Istio can match it. */
export function pathProblem(path: string): { message: string; hint: string } | undefined {
  if (path.includes('{*}') || path.includes('{**}')) return pathTemplateProblem(path);
  if (path.includes('{') || path.includes('}')) {
    return { message: `"${path}" uses "{" or "}" outside a path template`, hint: 'path templates are whole segments {*} (one segment) or {**} (any number), e.g. "/api/{*}/items"' };
  }
  const stars = path.split('*').length - 1;
  if (stars === 0 || path === '*') return undefined;
  if (stars === 1 && (path.startsWith('*') || path.endsWith('*'))) return undefined;
  return {
    message: `"${path}" has "*" in a place Istio cannot match`,
    hint: 'use "*" only alone, at the start (suffix match "*.png") or at the end (prefix match "/api/*"), or use {*}/{**} segments',
  };
}

function pathTemplateProblem(path: string): { message: string; hint: string } | undefined {
  let seenAny = false;
  for (const seg of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if (seg === '{*}' || seg === '{**}') {
      if (seenAny) return { message: `"${path}" has a template after {**}`, hint: '{**} must be the last template in the path' };
      seenAny = seg === '{**}';
      continue;
    }
    if (seg.includes('{') || seg.includes('}')) {
      return { message: `"${path}" has a segment "${seg}" that is not a whole {*} or {**}`, hint: 'templates must fill a whole path segment, e.g. "/api/{*}/items"' };
    }
    if (!TEMPLATE_LITERAL.test(seg)) {
      return { message: `"${path}" has a segment "${seg}" with characters not allowed beside a path template`, hint: 'segments next to {*}/{**} may use letters, digits and -._~%!$&\'()+,;:@= only (no "*")' };
    }
  }
  return undefined;
}

export const pathList = valueList.superRefine((values, ctx) => eachIssue(values, ctx, pathProblem));

/** Service accounts as Istio's `serviceAccounts` reads them: "sa" or "namespace/sa", no wildcard. */
export const serviceAccountList = valueList.max(16).superRefine((values, ctx) =>
  eachIssue(values, ctx, (v) => {
    if (v.includes('*')) return { message: `"${v}": wildcards are not allowed in service accounts`, hint: 'name the service account exactly' };
    const parts = v.split('/');
    if (parts.length > 2 || parts.some((p) => p === '') || v.length > 320) {
      return { message: `"${v}" is not a service account`, hint: 'write "serviceAccount" or "namespace/serviceAccount" (at most 320 characters)' };
    }
    return undefined;
  }));
