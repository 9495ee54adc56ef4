// The names a client may use for a service in Host/:authority, as Istio's virtual host domains:
// the FQDN; for cluster-local hosts also `name.ns.svc` and `name.ns`, and the bare `name` from
// the service's own namespace; and its VIPs — each with and without `:port`.
import type { Service } from '../../registry/types.js';

export function serviceDomains(s: Service, port: number, proxyNamespace: string, domainSuffix: string, opts: { portless: boolean }): string[] {
  const names = [s.hostname];
  const local = `.${s.namespace}.${domainSuffix}`;
  if (s.hostname.endsWith(local)) {
    const name = s.hostname.slice(0, -local.length);
    names.push(`${name}.${s.namespace}.svc`, `${name}.${s.namespace}`);
    if (s.namespace === proxyNamespace) names.push(name);
  }
  names.push(...s.addresses.filter((a) => !a.includes('/')));
  const out: string[] = [];
  for (const n of names) {
    if (opts.portless) out.push(n);
    out.push(`${n}:${port}`);
  }
  return out;
}

/** Keeps each domain only in the first virtual host that claims it: Envoy rejects duplicates. */
export class DomainSet {
  readonly #used = new Set<string>();

  claim(domains: readonly string[]): string[] {
    const out: string[] = [];
    for (const d of domains) {
      const key = d.toLowerCase();
      if (this.#used.has(key)) continue;
      this.#used.add(key);
      out.push(d);
    }
    return out;
  }
}
