// The attribute names an AuthorizationPolicy `when` condition may test, and the shape their
// values must have. Istio rejects any other key, so a typo here would otherwise drop a rule.
import { IP_BLOCK_HINT, ipBlockProblem } from './ip-block.js';
import { portStringProblem } from './rule-values.js';

interface Problem {
  message: string;
  hint: string;
}

type ValueCheck = (value: string) => Problem | undefined;

const ipValue: ValueCheck = (v) => {
  const message = ipBlockProblem(v);
  return message ? { message, hint: IP_BLOCK_HINT } : undefined;
};
const anyValue: ValueCheck = () => undefined;

/** Keys matched exactly, with the check their values get. */
const EXACT_KEYS: Record<string, ValueCheck> = {
  'source.ip': ipValue,
  'remote.ip': ipValue,
  'source.namespace': anyValue,
  'source.principal': anyValue,
  'source.serviceAccount': anyValue,
  'request.auth.principal': anyValue,
  'request.auth.audiences': anyValue,
  'request.auth.presenter': anyValue,
  'destination.ip': ipValue,
  'destination.port': portStringProblem,
  'connection.sni': anyValue,
};

/** Keys that name a map entry: `prefix[name]`. */
const MAP_KEYS = ['request.headers', 'request.auth.claims'];
const EXPERIMENTAL_PREFIX = 'experimental.envoy.filters.';

/** Keys that older Istio (v1alpha1 RBAC) accepted, with what replaced them. */
const RETIRED_KEYS: Record<string, string> = {
  'destination.namespace': 'the policy applies to its own metadata.namespace; drop this condition',
  'destination.labels': 'use the policy selector (selector.matchLabels) instead',
  'destination.name': 'only v1alpha1 RBAC supported it; use the policy selector instead',
  'destination.user': 'only v1alpha1 RBAC supported it; use the policy selector instead',
};

export const SUPPORTED_CONDITION_KEYS = [
  ...Object.keys(EXACT_KEYS),
  ...MAP_KEYS.map((k) => `${k}[<name>]`),
  `${EXPERIMENTAL_PREFIX}<filter>[<key>]`,
];

/** `a[b]` with a non-empty b, as Istio's validateMapKey requires. */
function isMapKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

/** Returns the check for values of `key`, or the problem with the key itself. */
export function conditionKey(key: string): { check: ValueCheck } | { problem: Problem } {
  const exact = EXACT_KEYS[key];
  if (exact) return { check: exact };
  const mapPrefix = MAP_KEYS.find((p) => key.startsWith(p));
  if (mapPrefix || key.startsWith(EXPERIMENTAL_PREFIX)) {
    if (isMapKey(key)) return { check: anyValue };
    return { problem: { message: `"${key}" must name an entry in brackets`, hint: `write it as ${mapPrefix ?? 'experimental.envoy.filters.<filter>'}[<name>], e.g. request.headers[x-user]` } };
  }
  const retired = Object.keys(RETIRED_KEYS).find((k) => key === k || key.startsWith(`${k}[`));
  if (retired) return { problem: { message: `"${key}" is no longer a supported condition`, hint: RETIRED_KEYS[retired] as string } };
  return { problem: { message: `"${key}" is not a supported condition key`, hint: `use one of ${SUPPORTED_CONDITION_KEYS.join(', ')}` } };
}
