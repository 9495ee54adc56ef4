// SPIFFE identities as Istio writes them: spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.
export interface SpiffeId {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

// Kubernetes names: namespaces are DNS labels, service accounts DNS subdomains.
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9._]{0,253}[a-z0-9])?$/;

export function spiffeUri(id: SpiffeId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** A problem with a namespace / service account / trust domain, or undefined when fine. */
export function identityProblem(id: SpiffeId): string | undefined {
  if (!TRUST_DOMAIN.test(id.trustDomain)) return `trust domain "${id.trustDomain}" must be lower-case letters, digits, '.', '-' or '_' (e.g. cluster.local)`;
  if (!LABEL.test(id.namespace)) return `namespace "${id.namespace}" must be a DNS label (lower-case letters, digits, '-')`;
  if (!SUBDOMAIN.test(id.serviceAccount)) return `service account "${id.serviceAccount}" must be lower-case letters, digits, '-' or '.'`;
  return undefined;
}

export function parseSpiffeUri(uri: string): SpiffeId | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
  if (!m) return undefined;
  const id = { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! };
  return identityProblem(id) ? undefined : id;
}
