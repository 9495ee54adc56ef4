// IP addresses and CIDR blocks as Istio's validation reads them (Go's netip): "10.1.2.3",
// "10.1.0.0/16", "2001:db8::/32". Hostnames are not allowed: the proxy matches addresses only.
import { isIP } from 'node:net';

/** Returns what is wrong with `text` as an IP or CIDR block, or undefined when it is one. */
export function ipBlockProblem(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return isIP(text) === 0 ? `"${text}" is not an IP address` : undefined;
  const addr = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const family = isIP(addr);
  if (family === 0) return `"${text}" is not a CIDR block: "${addr}" is not an IP address`;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${text}" is not a CIDR block: the prefix length must be 0..${max}`;
  return undefined;
}

export const IP_BLOCK_HINT = 'use a single IP such as "203.0.113.4" or a CIDR block such as "203.0.113.0/24"';
