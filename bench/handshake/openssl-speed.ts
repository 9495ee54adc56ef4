// The physical limit of a full handshake: one private-key signature per handshake on the
// server, so `openssl speed` sign/s on one core bounds full handshakes per CPU-second.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KeyType } from './keys.js';

const run = promisify(execFile);

const ALGORITHM: Record<KeyType, string> = { 'ECDSA P-256': 'ecdsap256', 'RSA-2048': 'rsa2048' };

/** Signatures per second on one core, from `openssl speed -mr` (machine-readable output). */
export async function signsPerSecond(type: KeyType, seconds = 3): Promise<number> {
  const { stdout } = await run('openssl', ['speed', '-mr', '-seconds', String(seconds), ALGORITHM[type]], { maxBuffer: 1 << 20 });
  // -mr result lines: "+F2:<n>:<bits>:<sign/s>:<verify/s>" (RSA), "+F4:…" (ECDSA).
  const tag = type.startsWith('RSA') ? '+F2:' : '+F4:';
  const line = stdout.split('\n').find((l) => l.startsWith(tag));
  const perSecond = Number(line?.split(':')[3]);
  if (!Number.isFinite(perSecond) || perSecond <= 0) throw new Error(`cannot read sign/s from openssl speed ${ALGORITHM[type]}:\n${stdout}`);
  return perSecond;
}
