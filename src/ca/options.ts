// Command-line values for the CA shared by `isthmus control-plane` and `isthmus ca`.
import { parseDuration } from '../api/fields/duration.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from './keys.js';
import { identityProblem } from './spiffe.js';

/** A Go-style duration flag (24h, 90m, 1h30m) in milliseconds, or a message saying what is wrong. */
export function durationMs(flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === undefined || ms < 0) throw new Error(`--${flag} takes a duration such as 24h, 90m or 30s, not "${raw}"`);
  return ms;
}

export function keyAlgorithm(raw: string | undefined): KeyAlgorithm {
  if (raw === undefined) return 'ECDSA_P256';
  if (!(KEY_ALGORITHMS as readonly string[]).includes(raw)) throw new Error(`--ca-key-algorithm must be one of ${KEY_ALGORITHMS.join(', ')}, not "${raw}"`);
  return raw as KeyAlgorithm;
}

export function trustDomain(raw: string | undefined): string {
  const td = raw ?? 'cluster.local';
  const problem = identityProblem({ trustDomain: td, namespace: 'default', serviceAccount: 'default' });
  if (problem) throw new Error(`--trust-domain: ${problem}`);
  return td;
}
