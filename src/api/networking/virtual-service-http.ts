// HTTPRoute: match conditions plus exactly one action — forward (route), redirect, direct
// response, or hand off to a delegate VirtualService — and the policies that go with it.
import { z } from 'zod';
import { obj, percent } from '../fields/common.js';
import {
  authorityHeadersSet, destination, headers, httpMirrorPolicy, httpRouteDestination,
} from './virtual-service-destination.js';
import { fail } from './virtual-service-hosts.js';
import {
  corsPolicy, httpDirectResponse, httpFaultInjection, httpRedirect, httpRetry, httpRewrite, mirrorPercent, msDuration,
} from './virtual-service-http-policies.js';
import { httpMatchRequest } from './virtual-service-match.js';

export const delegate = obj({
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type Delegate = z.infer<typeof delegate>;

export const httpRoute = obj({
  name: z.string().optional(),
  match: z.array(httpMatchRequest).optional(),
  route: z.array(httpRouteDestination).optional(),
  redirect: httpRedirect.optional(),
  directResponse: httpDirectResponse.optional(),
  delegate: delegate.optional(),
  rewrite: httpRewrite.optional(),
  timeout: msDuration.optional(),
  retries: httpRetry.optional(),
  fault: httpFaultInjection.optional(),
  mirror: destination.optional(),
  mirrors: z.array(httpMirrorPolicy).optional(),
  mirrorPercentage: percent.optional(),
  /** Deprecated: use mirrorPercentage. */
  mirrorPercent: mirrorPercent.optional(),
  corsPolicy: corsPolicy.optional(),
  headers: headers.optional(),
}).superRefine((r, ctx) => {
  const hasRoute = (r.route?.length ?? 0) > 0;
  if (r.delegate) {
    // A root route hands the whole request to the delegate; its own actions would never run.
    if (r.redirect) fail(ctx, ['redirect'], 'a route with a delegate cannot also redirect', 'remove redirect, or remove delegate');
    if (r.route) fail(ctx, ['route'], 'a route with a delegate cannot also have route destinations', 'move the destinations into the delegate VirtualService');
  } else if (r.redirect) {
    if (hasRoute) fail(ctx, ['redirect'], 'an HTTP route cannot have both route and redirect', 'keep one of route and redirect');
    if (r.fault) fail(ctx, ['fault'], 'an HTTP route cannot have both fault and redirect', 'inject faults on a route that forwards');
    if (r.rewrite) fail(ctx, ['rewrite'], 'an HTTP route cannot have both rewrite and redirect', 'put the new URI in redirect.uri');
    if (r.directResponse) fail(ctx, ['directResponse'], 'an HTTP route cannot have both directResponse and redirect', 'keep one of them');
  } else if (r.directResponse) {
    if (hasRoute) fail(ctx, ['directResponse'], 'an HTTP route cannot have both route and directResponse', 'keep one of route and directResponse');
    if (r.fault) fail(ctx, ['fault'], 'an HTTP route cannot have both fault and directResponse', 'inject faults on a route that forwards');
    if (r.rewrite) fail(ctx, ['rewrite'], 'an HTTP route cannot have both rewrite and directResponse', 'remove rewrite');
  } else if (!hasRoute) {
    fail(ctx, [], 'an HTTP route needs route, redirect, directResponse or delegate', 'e.g. route: [{destination: {host: reviews}}]');
  }
  if (r.mirror && r.mirrors?.length) fail(ctx, ['mirrors'], 'an HTTP route cannot have both mirror and mirrors', 'list every mirror under mirrors');
  // Envoy has one authority per request: rewrite.authority and a request header must not both set it.
  const authoritySetters = [...(r.rewrite?.authority ? ['rewrite.authority'] : []), ...authorityHeadersSet(r.headers)];
  if (authoritySetters.length > 1) {
    fail(ctx, ['headers', 'request'], `the authority is set more than once (${authoritySetters.join(', ')})`, 'set it in one place only');
  }
});
export type HTTPRoute = z.infer<typeof httpRoute>;
