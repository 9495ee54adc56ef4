// Match conditions of VirtualService routes: HTTPMatchRequest, TLSMatchAttributes and
// L4MatchAttributes, with the string-match rules Istio applies to each kind of field.
import { z } from 'zod';
import { labels, obj, oneOf, port, re2Error } from '../fields/common.js';
import {
  GATEWAY_NAME_HINT, HOST_HINT, fail, gatewayNameError, ipSubnetError, isDns1123Label, isIpAddress, wildcardDomainError,
} from './virtual-service-hosts.js';

const MATCH_KEYS = ['exact', 'prefix', 'regex'] as const;
/** Envoy caps RE2 program size; Istio approximates it by the pattern length. */
const MAX_REGEX_LENGTH = 1024;

interface MatchRule {
  /** `{}` is allowed and means "present" (headers, withoutHeaders). */
  allowEmpty?: boolean;
  /** Envoy accepts an empty path prefix but not an empty prefix on other matchers. */
  emptyPrefixOk?: boolean;
  /** In withoutHeaders, `regex: "*"` is Istio's spelling of "present", not a regex. */
  starIsPresence?: boolean;
}

/** A StringMatch (exact | prefix | regex) with the rules Istio applies where it is used. */
export function stringMatchOf(rule: MatchRule = {}) {
  const base = obj({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() });
  return oneOf(base, MATCH_KEYS, { required: !rule.allowEmpty }).superRefine((m, ctx) => {
    if (m.prefix === '' && !rule.emptyPrefixOk) {
      fail(ctx, ['prefix'], 'an empty prefix match is not allowed here', 'give a non-empty prefix, or use {} to match any value');
    }
    if (m.regex === undefined || (rule.starIsPresence && m.regex === '*')) return;
    if (m.regex === '') {
      fail(ctx, ['regex'], 'an empty regex match is not allowed', 'give an RE2 pattern such as "v[0-9]+"');
    } else if (m.regex.length > MAX_REGEX_LENGTH) {
      fail(ctx, ['regex'], `the regex is ${m.regex.length} characters long`, `Envoy accepts at most ${MAX_REGEX_LENGTH}`);
    } else {
      const err = re2Error(m.regex);
      if (err !== undefined) {
        fail(ctx, ['regex'], `"${m.regex}" is not a valid RE2 regex: ${err}`,
          'Istio uses RE2 syntax: no lookahead/lookbehind and no backreferences');
      }
    }
  });
}

/** The default: exactly one of exact/prefix/regex, non-empty prefix, valid RE2. */
export const stringMatch = stringMatchOf();
export type StringMatch = z.infer<typeof stringMatch>;

// RFC 7230 token characters: what may appear in a header name.
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
/** Gateways can route on JWT claims with the pseudo header `@request.auth.claims.<name>`. */
export const JWT_CLAIM_PREFIX = '@request.auth.claims.';

/** Why `name` cannot be matched as a header, or undefined when it can. */
export function matchHeaderNameError(name: string): string | undefined {
  if (name === '') return 'a header name cannot be empty';
  if (name.startsWith(JWT_CLAIM_PREFIX) && name.length > JWT_CLAIM_PREFIX.length) return undefined;
  if (PSEUDO_HEADERS.has(name) || HEADER_TOKEN.test(name)) return undefined;
  return `"${name}" is not a valid header name`;
}

function headerMatchMap(rule: MatchRule) {
  return z.record(z.string(), stringMatchOf(rule)).superRefine((map, ctx) => {
    for (const name of Object.keys(map)) {
      const err = matchHeaderNameError(name);
      if (err) fail(ctx, [name], err, 'use a lowercase name made of letters, digits and "-", such as "end-user"');
    }
  });
}

/** A list of gateway names (`mesh`, `name`, `namespace/name`). */
export const gatewayNames = z.array(z.string()).superRefine((names, ctx) => {
  names.forEach((name, i) => {
    const err = gatewayNameError(name);
    if (err) fail(ctx, [i], err, GATEWAY_NAME_HINT);
  });
});

export const sourceNamespace = z.string().superRefine((ns, ctx) => {
  if (!isDns1123Label(ns)) fail(ctx, [], `sourceNamespace "${ns}" is not a valid namespace`, 'use a DNS-1123 label such as "prod"');
});

const subnets = z.array(z.string()).superRefine((list, ctx) => {
  list.forEach((s, i) => {
    const err = ipSubnetError(s);
    if (err) fail(ctx, [i], err, 'use an address such as "10.0.0.1" or a CIDR block such as "10.0.0.0/16"');
  });
});

const subnet = z.string().superRefine((s, ctx) => {
  const err = ipSubnetError(s);
  if (err) fail(ctx, [], err, 'use an address such as "10.0.0.1" or a CIDR block such as "10.0.0.0/16"');
});

export const httpMatchRequest = obj({
  name: z.string().optional(),
  uri: stringMatchOf({ emptyPrefixOk: true }).optional(),
  scheme: stringMatch.optional(),
  method: stringMatch.optional(),
  authority: stringMatch.optional(),
  headers: headerMatchMap({ allowEmpty: true }).optional(),
  port: port.optional(),
  sourceLabels: labels.optional(),
  gateways: gatewayNames.optional(),
  queryParams: z.record(z.string(), stringMatch).optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: headerMatchMap({ allowEmpty: true, starIsPresence: true }).optional(),
  sourceNamespace: sourceNamespace.optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.infer<typeof httpMatchRequest>;

/** An SNI value: a (wildcard) domain; an IP is accepted as Istio does, although SNI forbids it. */
const sniHost = z.string().superRefine((h, ctx) => {
  if (isIpAddress(h)) return;
  const err = wildcardDomainError(h);
  if (err) fail(ctx, [], err, HOST_HINT);
});

export const tlsMatchAttributes = obj({
  sniHosts: z.array(sniHost).min(1),
  destinationSubnets: subnets.optional(),
  port: port.optional(),
  sourceLabels: labels.optional(),
  gateways: gatewayNames.optional(),
  sourceNamespace: sourceNamespace.optional(),
});
export type TLSMatchAttributes = z.infer<typeof tlsMatchAttributes>;

export const l4MatchAttributes = obj({
  destinationSubnets: subnets.optional(),
  port: port.optional(),
  sourceSubnet: subnet.optional(),
  sourceLabels: labels.optional(),
  gateways: gatewayNames.optional(),
  sourceNamespace: sourceNamespace.optional(),
});
export type L4MatchAttributes = z.infer<typeof l4MatchAttributes>;
