// IP addresses and CIDR blocks, read once for every kind that takes them (ServiceEntry addresses,
// VirtualService subnets, AuthorizationPolicy ipBlocks); each caller words its own message.
import { isIP } from 'node:net';

export type IpBlockProblem =
  | { kind: 'address'; address: string }
  | { kind: 'prefix'; bits: string; max: number };

/** What is wrong with `text` as an IP (when `allowBare`) or CIDR block; undefined when nothing. */
export function ipBlockFault(text: string, opts: { allowBare: boolean }): IpBlockProblem | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return opts.allowBare && isIP(text) !== 0 ? undefined : { kind: 'address', address: text };
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const family = isIP(address);
  if (family === 0) return { kind: 'address', address };
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? undefined : { kind: 'prefix', bits, max };
}
