// Host names as Istio resolves them: a short name in a resource is qualified with the
// resource's namespace (`reviews` in `default` → `reviews.default.svc.cluster.local`); a name
// with a dot is already fully qualified, as in Istio's ResolveShortnameToFQDN.

export const DEFAULT_DOMAIN_SUFFIX = 'svc.cluster.local';

export function resolveHost(host: string, namespace: string, domainSuffix = DEFAULT_DOMAIN_SUFFIX): string {
  if (host === '*' || host.includes('.')) return host;
  return `${host}.${namespace}.${domainSuffix}`;
}

/** Whether `host` (possibly `*.example.com` or `*`) covers `name` (which may itself be a wildcard). */
export function hostMatches(host: string, name: string): boolean {
  if (host === '*' || host === name) return true;
  if (host.startsWith('*')) {
    const suffix = host.slice(1); // ".example.com"
    if (name.startsWith('*')) return name.slice(1).endsWith(suffix);
    return name.endsWith(suffix);
  }
  return false;
}
