// IP addresses and CIDR blocks as Istio's validation reads them (Go's netip): "10.1.2.3",
// "10.1.0.0/16", "2001:db8::/32". Hostnames are not allowed: the proxy matches addresses only.
import { ipBlockFault } from '../fields/ip-block.js';

/** Returns what is wrong with `text` as an IP or CIDR block, or undefined when it is one. */
export function ipBlockProblem(text: string): string | undefined {
  const fault = ipBlockFault(text, { allowBare: true });
  if (!fault) return undefined;
  if (!text.includes('/')) return `"${text}" is not an IP address`;
  if (fault.kind === 'address') return `"${text}" is not a CIDR block: "${fault.address}" is not an IP address`;
  return `"${text}" is not a CIDR block: the prefix length must be 0..${fault.max}`;
}

export const IP_BLOCK_HINT = 'use a single IP such as "203.0.113.4" or a CIDR block such as "203.0.113.0/24"';
