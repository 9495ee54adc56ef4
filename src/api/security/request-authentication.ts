// security.istio.io RequestAuthentication: which JWTs a workload accepts and where to find them.
// A request without a token passes (unauthenticated); one with a bad token is rejected.
import { z } from 'zod';
import { duration, obj, oneOf } from '../fields/common.js';
import { jwksProblem, jwksUriProblem } from './jwks.js';
import { checkSingleTargeting, targetingFields } from './policy-target.js';
import { nonEmptyText } from './text.js';

const nonEmpty = (what: string) => nonEmptyText(`${what} must not be empty`, `give ${what}, or remove the entry`);

/** Header names that Envoy may set (Istio's strict header-name rule). */
const headerName = z.string().regex(/^[-_A-Za-z0-9]+$/, { message: 'is not a valid header name: use letters, digits, "-" and "_"' });

const jwtHeader = obj({
  name: nonEmpty('the header name'),
  /** Stripped before decoding, e.g. "Bearer " (with the space). */
  prefix: z.string().optional(),
});

const claimToHeader = obj({
  header: headerName,
  /** Nested claims are written with dots: "nested.key.group". */
  claim: nonEmpty('claim'),
});

const jwtRuleFields = obj({
  issuer: nonEmpty('issuer'),
  audiences: z.array(nonEmpty('an audience')).optional(),
  jwksUri: z.string().superRefine((uri, ctx) => {
    const p = jwksUriProblem(uri);
    if (p) ctx.addIssue({ code: 'custom', message: p, params: { hint: 'use an http:// or https:// URL such as https://example.com/.well-known/jwks.json' } });
  }).optional(),
  /** An inline JSON Web Key Set, as a JSON string. */
  jwks: z.string().superRefine((text, ctx) => {
    const p = jwksProblem(text);
    if (p) ctx.addIssue({ code: 'custom', message: p, params: { hint: 'paste a key set such as {"keys":[{"kty":"RSA","e":"AQAB","n":"…"}]}' } });
  }).optional(),
  fromHeaders: z.array(jwtHeader).optional(),
  fromParams: z.array(nonEmpty('a query parameter name')).optional(),
  fromCookies: z.array(nonEmpty('a cookie name')).optional(),
  outputPayloadToHeader: z.string().optional(),
  /** Keep the token on the upstream request; false by default. */
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(claimToHeader).optional(),
  /** How long to wait for the JWKS server; Istio's default is 5s. */
  timeout: duration({ minMs: 1 }).optional(),
}).superRefine((rule, ctx) => {
  const seen = new Map<string, number>();
  rule.outputClaimToHeaders?.forEach((c, i) => {
    const key = c.header.toLowerCase();
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path: ['outputClaimToHeaders', i, 'header'], message: `header "${c.header}" is already written by outputClaimToHeaders[${seen.get(key)}]`, params: { hint: 'each header may be set from one claim only' } });
    } else {
      seen.set(key, i);
    }
  });
});

/** jwks and jwksUri are two ways to give the same key set: Istio ignores one, so we refuse both. */
export const jwtRule = oneOf(jwtRuleFields, ['jwksUri', 'jwks']);
export type JWTRule = z.infer<typeof jwtRule>;

export const requestAuthenticationSpec = obj({
  ...targetingFields,
  jwtRules: z.array(jwtRule).optional(),
}).superRefine((spec, ctx) => checkSingleTargeting(spec, ctx));
export type RequestAuthenticationSpec = z.infer<typeof requestAuthenticationSpec>;

/** Istio's timeout for fetching a remote JWKS when jwtRules[].timeout is unset. */
export const DEFAULT_JWKS_FETCH_TIMEOUT = '5s';
