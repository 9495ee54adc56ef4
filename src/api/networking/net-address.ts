// Address forms that Istio's networking kinds accept: IPs, CIDR blocks, fully-qualified DNS
// names and Unix domain sockets. Plain predicates, so every schema words its own message.
import { isIP } from 'node:net';
import { ipBlockFault } from '../fields/ip-block.js';

export const UNIX_PREFIX = 'unix://';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/** `10.0.0.0/8` or `2001:db8::/32`, with a prefix length that fits the address family. */
export function isCidr(text: string): boolean {
  return text.includes('/') && ipBlockFault(text, { allowBare: false }) === undefined;
}

/**
 * A fully-qualified DNS name without wildcards, as Istio's ValidateFQDN checks it: lowercase
 * DNS-1123 labels, a top-level label that is not all digits, an optional trailing dot.
 */
export function isFqdn(text: string): boolean {
  if (text.length === 0 || text.length > 255) return false;
  const labels = (text.endsWith('.') ? text.slice(0, -1) : text).split('.');
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((l) => l.length <= 63 && DNS_LABEL.test(l));
}

/** A DNS name whose first label may be `*` (`*.example.com`); `*` alone too. */
export function isWildcardFqdn(text: string): boolean {
  if (text === '*') return true;
  return text.startsWith('*.') ? isFqdn(text.slice(2)) : isFqdn(text);
}

/**
 * Checks the path after `unix://`: absolute and not a directory, or an abstract socket (`@name`).
 * Returns the problem, or undefined when the path is fine.
 */
export function unixPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'the socket path is empty';
  if (path.startsWith('@')) return undefined;
  if (!path.startsWith('/')) return 'the socket path must be absolute (start with "/") or abstract (start with "@")';
  if (path.endsWith('/')) return 'the socket path names a directory';
  return undefined;
}

export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}
