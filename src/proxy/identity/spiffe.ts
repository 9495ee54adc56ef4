// The workload's SPIFFE identity as Istio writes it, spiffe://<trust-domain>/ns/<ns>/sa/<sa>,
// checked before the agent asks the CA for it so a typo is a usage error, not a CA refusal.
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9._]{0,253}[a-z0-9])?$/;

export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

export function spiffeId(id: WorkloadIdentity): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** Why the identity cannot be a SPIFFE ID, naming the flag to fix; undefined when it can. */
export function identityProblem(id: WorkloadIdentity): string | undefined {
  if (!TRUST_DOMAIN.test(id.trustDomain)) return `--trust-domain "${id.trustDomain}" must be lower-case letters, digits, '.', '-' or '_' (e.g. cluster.local)`;
  if (!LABEL.test(id.namespace)) return `--namespace "${id.namespace}" must be a DNS label (lower-case letters, digits, '-')`;
  if (!SUBDOMAIN.test(id.serviceAccount)) return `--service-account "${id.serviceAccount}" must be lower-case letters, digits, '-' or '.'`;
  return undefined;
}
