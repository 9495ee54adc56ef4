// security.istio.io AuthorizationPolicy: who may do what to a workload. Field names and rules
// follow Istio's authorization_policy.proto and the checks istiod's validation webhook makes.
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { conditionKey } from './condition-keys.js';
import { checkSingleTargeting, targetingFields } from './policy-target.js';
import { ipBlockList, pathList, portList, serviceAccountList, valueList } from './rule-values.js';
import { listOf } from './text.js';

export const AUTHORIZATION_ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
] as const;

/** Fields of a source are ANDed; a source with none of them matches nothing useful, so Istio rejects it. */
const source = obj({
  principals: valueList.optional(),
  notPrincipals: valueList.optional(),
  requestPrincipals: valueList.optional(),
  notRequestPrincipals: valueList.optional(),
  namespaces: valueList.optional(),
  notNamespaces: valueList.optional(),
  serviceAccounts: serviceAccountList.optional(),
  notServiceAccounts: serviceAccountList.optional(),
  ipBlocks: ipBlockList.optional(),
  notIpBlocks: ipBlockList.optional(),
  remoteIpBlocks: ipBlockList.optional(),
  notRemoteIpBlocks: ipBlockList.optional(),
}).superRefine((src, ctx) => {
  if (!SOURCE_FIELDS.some((k) => (src[k]?.length ?? 0) > 0)) {
    ctx.addIssue({ code: 'custom', message: 'source must not be empty', params: { hint: `set at least one of ${SOURCE_FIELDS.join(', ')}` } });
  }
  const identity = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const;
  if ((src.serviceAccounts?.length || src.notServiceAccounts?.length) && identity.some((k) => src[k]?.length)) {
    ctx.addIssue({
      code: 'custom', path: [src.serviceAccounts ? 'serviceAccounts' : 'notServiceAccounts'],
      message: 'serviceAccounts cannot be combined with principals or namespaces', params: { hint: 'use either serviceAccounts or principals/namespaces in one source' },
    });
  }
});

const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

const operation = obj({
  hosts: valueList.optional(),
  notHosts: valueList.optional(),
  ports: portList.optional(),
  notPorts: portList.optional(),
  methods: valueList.optional(),
  notMethods: valueList.optional(),
  paths: pathList.optional(),
  notPaths: pathList.optional(),
}).superRefine((op, ctx) => {
  if (!OPERATION_FIELDS.some((k) => (op[k]?.length ?? 0) > 0)) {
    ctx.addIssue({ code: 'custom', message: 'operation must not be empty', params: { hint: `set at least one of ${OPERATION_FIELDS.join(', ')}` } });
  }
});

const condition = obj({
  key: z.string(),
  values: valueList.optional(),
  notValues: valueList.optional(),
}).superRefine((c, ctx) => {
  const k = conditionKey(c.key);
  if ('problem' in k) {
    ctx.addIssue({ code: 'custom', path: ['key'], message: k.problem.message, params: { hint: k.problem.hint } });
    return;
  }
  if (!c.values?.length && !c.notValues?.length) {
    ctx.addIssue({ code: 'custom', path: ['key'], message: `condition "${c.key}" has neither values nor notValues`, params: { hint: 'set values (any may match) or notValues (none may match)' } });
  }
  for (const field of ['values', 'notValues'] as const) {
    c[field]?.forEach((v, i) => {
      const p = k.check(v);
      if (p) ctx.addIssue({ code: 'custom', path: [field, i], message: p.message, params: { hint: p.hint } });
    });
  }
});

/** `from: []` or `to: []` is rejected by Istio: omit the field to mean "any". */
function nonEmptyIfSet<T extends z.ZodTypeAny>(item: T, name: 'from' | 'to') {
  return listOf(item, { min: 1, problem: `${name} must not be an empty list`, hint: `omit ${name} to match any ${name === 'from' ? 'source' : 'operation'}` });
}

export const rule = obj({
  from: nonEmptyIfSet(obj({ source }), 'from').optional(),
  to: nonEmptyIfSet(obj({ operation }), 'to').optional(),
  when: z.array(condition).optional(),
});
export type Rule = z.infer<typeof rule>;

export const authorizationPolicySpec = obj({
  ...targetingFields,
  rules: z.array(rule).optional(),
  /** Defaults to ALLOW when unset. */
  action: z.enum(AUTHORIZATION_ACTIONS).optional(),
  /** Only with action CUSTOM: the extension provider (declared in MeshConfig) that decides. */
  provider: obj({ name: z.string() }).optional(),
}).superRefine((spec, ctx) => {
  checkSingleTargeting(spec, ctx);
  checkAction(spec, ctx);
});
export type AuthorizationPolicySpec = z.infer<typeof authorizationPolicySpec>;

type Spec = z.infer<typeof authorizationPolicySpec>;

function checkAction(spec: Spec, ctx: z.RefinementCtx): void {
  const noRulesHint = 'add rules, or an empty rule `rules: [{}]` to match every request';
  if (spec.action === 'CUSTOM') {
    if (spec.rules === undefined) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'a CUSTOM policy without rules is never triggered', params: { hint: noRulesHint } });
    } else if (!spec.provider) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'action CUSTOM requires provider.name', params: { hint: 'add provider: {name: <an extensionProvider from MeshConfig>}' } });
    } else if (spec.provider.name === '') {
      ctx.addIssue({ code: 'custom', path: ['provider', 'name'], message: 'provider.name must not be empty', params: { hint: 'name an extensionProvider declared in MeshConfig' } });
    }
    checkCustomRules(spec.rules ?? [], ctx);
  } else if (spec.provider) {
    ctx.addIssue({ code: 'custom', path: ['provider'], message: `provider is only allowed with action CUSTOM, not ${spec.action ?? 'ALLOW (the default)'}`, params: { hint: 'remove provider, or set action: CUSTOM' } });
  }
  if (spec.action === 'DENY' && spec.rules === undefined) {
    ctx.addIssue({ code: 'custom', path: ['action'], message: 'a DENY policy without rules is never triggered', params: { hint: noRulesHint } });
  }
}

/** CUSTOM policies run before authentication results are trusted, so identity fields are refused. */
function checkCustomRules(rules: readonly Rule[], ctx: z.RefinementCtx): void {
  const identityFields = ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'] as const;
  rules.forEach((r, i) => {
    r.from?.forEach((f, j) => {
      for (const k of identityFields) {
        if (f.source[k] !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'from', j, 'source', k], message: `${k} is not supported with action CUSTOM`, params: { hint: 'match on ipBlocks, operation fields or request headers, or use an ALLOW/DENY policy' } });
        }
      }
    });
    r.when?.forEach((c, j) => {
      if (['source.namespace', 'source.serviceAccount', 'source.principal'].includes(c.key) || c.key.startsWith('request.auth.')) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'when', j, 'key'], message: `condition "${c.key}" is not supported with action CUSTOM`, params: { hint: 'identity conditions need an ALLOW or DENY policy' } });
      }
    });
  });
}
