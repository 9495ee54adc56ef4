// Host, namespace, gateway-name and address rules shared by VirtualService and Gateway. They
// follow Istio's own checks (pkg/config/validation): Istio accepts DNS labels in either case, a
// wildcard only in the left-most label, and IP addresses where a host may be an address.
import { ipBlockFault } from '../fields/ip-block.js';
import type { z } from 'zod';

/** The reserved gateway name that means "every sidecar in the mesh". */
export const MESH_GATEWAY = 'mesh';

const DNS1123_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
// `*`, `*foo`, `*-foo` or a plain label: Istio's wildcard rule for the first label.
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)$/;

/** Reports one custom issue at `path` (relative to the refined value). */
export function fail<T>(ctx: z.core.$RefinementCtx<T>, path: PropertyKey[], message: string, hint = ''): void {
  ctx.addIssue({ code: 'custom', path, message, params: { hint } });
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export { isIpAddress } from './net-address.js';

function labelsError(domain: string, labels: string[]): string | undefined {
  const tld = labels[labels.length - 1] ?? '';
  if (/^\d+$/.test(tld)) return `"${domain}" is not a valid domain: the top-level label "${tld}" is all digits`;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (i === labels.length - 1 && label === '' && i > 0) return undefined; // trailing dot: `istio.io.`
    if (!isDns1123Label(label)) return `"${domain}" is not a valid domain: label "${label}" is invalid`;
  }
  return undefined;
}

function preconditionError(domain: string): string | undefined {
  if (domain.length === 0) return 'an empty domain name is not allowed';
  if (domain.length > 255) return `"${domain.slice(0, 40)}…" is too long for a domain name (at most 255 characters)`;
  return undefined;
}

/** Istio's ValidateFQDN: DNS-1123 labels, no wildcard. */
export function fqdnError(name: string): string | undefined {
  return preconditionError(name) ?? labelsError(name, name.split('.'));
}

/** Istio's ValidateWildcardDomain: an FQDN whose first label may be a wildcard (`*`, `*.a.com`, `*a.com`). */
export function wildcardDomainError(domain: string): string | undefined {
  const pre = preconditionError(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!WILDCARD_LABEL.test(first) || first.length > 63) return `"${domain}" is not a valid domain: label "${first}" is invalid`;
  return dot < 0 ? undefined : labelsError(domain, domain.slice(dot + 1).split('.'));
}

export const HOST_HINT = 'use a DNS name such as "reviews", "reviews.prod.svc.cluster.local" or "*.example.com" (a wildcard only in the first label)';

/** An IP address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `10.1.2.3`). */
export function ipSubnetError(subnet: string): string | undefined {
  const fault = ipBlockFault(subnet, { allowBare: true });
  if (!fault) return undefined;
  if (fault.kind === 'address' || subnet.split('/').length > 2) return `"${subnet}" is not a valid IP address or CIDR block`;
  return `"${subnet}" is not a valid CIDR block: prefix length "${fault.bits}" is out of range`;
}

/** Istio's validateGatewayNames: `<namespace>/<name>`, or a bare name / legacy FQDN. */
export function gatewayNameError(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash < 0) {
    const err = fqdnError(name);
    return err ? `gateway name ${err.replace(/ is not a valid domain/, ' is invalid')}` : undefined;
  }
  const ns = name.slice(0, slash);
  const gw = name.slice(slash + 1);
  if (ns === '' || gw === '') return `gateway "${name}" has an empty namespace or name`;
  if (!isDns1123Label(ns)) return `gateway "${name}" has an invalid namespace "${ns}"`;
  if (!isDns1123Label(gw)) return `gateway "${name}" has an invalid name "${gw}"`;
  return undefined;
}

export const GATEWAY_NAME_HINT = 'use "mesh", a gateway name such as "bookinfo-gateway", or "<namespace>/<name>" such as "istio-system/ingress"';

/** A Gateway server host: `[namespace/]dnsName`, where namespace is `*`, `.` or a namespace. */
export function serverHostError(host: string): string | undefined {
  const slash = host.indexOf('/');
  const ns = slash < 0 ? '*' : host.slice(0, slash);
  const dns = slash < 0 ? host : host.slice(slash + 1);
  if (ns === '' || dns === '') return `host "${host}" has an empty namespace or DNS name`;
  if (ns !== '*' && ns !== '.' && !isDns1123Label(ns)) return `host "${host}" has an invalid namespace "${ns}"`;
  if (dns === '*') return undefined;
  return wildcardDomainError(dns);
}

function suffixOf(wildcard: string): string {
  return wildcard.slice(1); // "*.foo.com" → ".foo.com", "*" → ""
}

/** Istio's host.Name.Matches: the two hosts can select the same name. */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return suffixOf(a).endsWith(suffixOf(b)) || suffixOf(b).endsWith(suffixOf(a));
  if (aw) return b.endsWith(suffixOf(a));
  if (bw) return a.endsWith(suffixOf(b));
  return false;
}

/** Istio's host.Name.SubsetOf: every name `a` selects is also selected by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (b.startsWith('*')) return (a.startsWith('*') ? suffixOf(a) : a).endsWith(suffixOf(b));
  return a === b;
}
