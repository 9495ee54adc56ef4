// One Envoy RBAC rule set (envoy.config.rbac.v3.RBAC): an action and named policies. A policy
// matches when any of its permissions and any of its principals match. ALLOW lets a request
// through only if some policy matches (no policies: nothing is allowed), DENY stops it if some
// policy matches, LOG never stops anything and only says which policy matched.
import { enumName, list, message, reject } from '../config-fields.js';
import type { RbacFacts } from './facts.js';
import { permission, principal, type Predicate } from './matchers.js';

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

interface CompiledPolicy {
  name: string;
  permissions: Predicate[];
  principals: Predicate[];
}

export interface RbacEngine {
  readonly action: RbacAction;
  /** Names of the policies, in the config's order (protobuf maps keep insertion order here). */
  readonly policyNames: readonly string[];
  /** The first matching policy's name, or undefined. */
  match(facts: RbacFacts): string | undefined;
}

export interface RbacDecision {
  allowed: boolean;
  /** The policy that matched, when one did. */
  policy?: string;
}

function compilePolicy(name: string, value: unknown, field: string): CompiledPolicy {
  const p = message(value, field) ?? reject(field, 'is not a Policy');
  if (p.condition !== undefined || p.checked_condition !== undefined) {
    reject(`${field}.${p.condition !== undefined ? 'condition' : 'checked_condition'}`, 'CEL expressions are not supported by this proxy');
  }
  const permissions = list(p.permissions, `${field}.permissions`).map((x, i) => permission(x, `${field}.permissions[${i}]`));
  const principals = list(p.principals, `${field}.principals`).map((x, i) => principal(x, `${field}.principals[${i}]`));
  // Envoy requires both lists to be non-empty: a policy with none of either could never match.
  if (permissions.length === 0) reject(`${field}.permissions`, 'must not be empty (use {any: true} to match every request)');
  if (principals.length === 0) reject(`${field}.principals`, 'must not be empty (use {any: true} to match every client)');
  return { name, permissions, principals };
}

export function compileRbac(value: unknown, field: string): RbacEngine {
  const r = message(value, field) ?? reject(field, 'is not an RBAC message');
  const action = enumName(r.action, ['ALLOW', 'DENY', 'LOG'] as const, `${field}.action`, 'ALLOW');
  if (r.audit_logging_options !== undefined) reject(`${field}.audit_logging_options`, 'is not supported by this proxy');
  const policies = Object.entries(message(r.policies, `${field}.policies`) ?? {})
    .map(([name, p]) => compilePolicy(name, p, `${field}.policies[${name}]`));
  return {
    action,
    policyNames: policies.map((p) => p.name),
    match(facts: RbacFacts): string | undefined {
      const hit = policies.find((p) => p.permissions.some((m) => m(facts)) && p.principals.some((m) => m(facts)));
      return hit?.name;
    },
  };
}

/** What the rule set decides for a request. */
export function decide(engine: RbacEngine, facts: RbacFacts): RbacDecision {
  const policy = engine.match(facts);
  const allowed = engine.action === 'ALLOW' ? policy !== undefined : engine.action === 'DENY' ? policy === undefined : true;
  return policy === undefined ? { allowed } : { allowed, policy };
}
