// Where routed traffic goes (Destination, weighted route destinations, mirrors) and the header
// manipulation that can be attached to a route or to one of its destinations.
import { z } from 'zod';
import { obj, percent, port } from '../fields/common.js';
import { HOST_HINT, fail, isDns1123Label, wildcardDomainError } from './virtual-service-hosts.js';

/** PortSelector: `port: {number: 9080}`. Istio rejects a selector without a valid number. */
export const portSelector = obj({ number: port });

const destinationHost = z.string().superRefine((h, ctx) => {
  if (h === '*') {
    fail(ctx, [], 'a destination host cannot be "*"', 'name one service, e.g. "reviews.prod.svc.cluster.local"');
    return;
  }
  const err = wildcardDomainError(h);
  if (err) fail(ctx, [], err, HOST_HINT);
});

const subsetName = z.string().superRefine((name, ctx) => {
  if (!isDns1123Label(name)) fail(ctx, [], `subset name "${name}" is invalid`, 'use the name of a DestinationRule subset, such as "v1"');
});

export const destination = obj({
  host: destinationHost,
  subset: subsetName.optional(),
  port: portSelector.optional(),
});
export type Destination = z.infer<typeof destination>;

// Header values go to Envoy as-is: control characters other than tab would corrupt the request.
function hasControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

function isPseudo(name: string): boolean {
  return name.startsWith(':');
}

function isAuthority(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':authority' || n === 'host';
}

/**
 * HeaderOperations. In requests `set`/`add` may rewrite the authority (`:authority` or `host`);
 * every other pseudo header is Envoy's own, and responses cannot carry `host` at all.
 */
function headerOperations(direction: 'request' | 'response') {
  return obj({
    set: z.record(z.string(), z.string()).optional(),
    add: z.record(z.string(), z.string()).optional(),
    remove: z.array(z.string()).optional(),
  }).superRefine((ops, ctx) => {
    const check = (path: PropertyKey[], name: string, authorityOk: boolean) => {
      if (name === '') fail(ctx, path, 'a header name cannot be empty', 'name the header to change');
      else if (authorityOk && isAuthority(name)) return;
      else if (name.toLowerCase() === 'host') fail(ctx, path, 'the Host header cannot be changed here', 'set the authority in a request `set`/`add`, or use rewrite.authority');
      else if (isPseudo(name)) fail(ctx, path, `"${name}" cannot be changed: a header name cannot start with ":"`, 'only :authority may be set, and only on requests');
    };
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of Object.entries(ops[op] ?? {})) {
        check([op, name], name, direction === 'request');
        if (hasControlChars(value)) fail(ctx, [op, name], `the value of header "${name}" contains control characters`, 'remove newlines and other control characters');
      }
    }
    (ops.remove ?? []).forEach((name, i) => check(['remove', i], name, false));
  });
}

export const headers = obj({
  request: headerOperations('request').optional(),
  response: headerOperations('response').optional(),
});
export type Headers = z.infer<typeof headers>;

/** The authority a route's request headers set, if any (used to forbid setting it twice). */
export function authorityHeadersSet(h: Headers | undefined): string[] {
  const out: string[] = [];
  for (const op of ['set', 'add'] as const) {
    for (const name of Object.keys(h?.request?.[op] ?? {})) if (isAuthority(name)) out.push(`${op}.${name}`);
  }
  return out;
}

/** Weights are relative shares 0–100; whether they add up to 100 is `isthmus analyze`'s business. */
const weight = z.number().int().min(0).max(100);

export const httpRouteDestination = obj({
  destination,
  weight: weight.optional(),
  headers: headers.optional(),
});
export type HTTPRouteDestination = z.infer<typeof httpRouteDestination>;

export const routeDestination = obj({
  destination,
  weight: weight.optional(),
});
export type RouteDestination = z.infer<typeof routeDestination>;

export const httpMirrorPolicy = obj({
  destination,
  percentage: percent.optional(),
});
export type HTTPMirrorPolicy = z.infer<typeof httpMirrorPolicy>;
