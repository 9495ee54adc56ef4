// Files of the CA directory. Each is replaced atomically (write a temporary file, rename) so a
// manager watching the directory never reads half a file; keys are created owner-only (0600).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CA_FILES = {
  /** The trust bundle: every root currently trusted, the current one first. */
  bundle: 'root-cert.pem',
  /** The current self-signed root's private key. */
  rootKey: 'root-key.pem',
  /** Which roots exist and until when a retired one stays trusted. */
  state: 'ca-state.json',
  /** The key bootstrap tokens are signed with (ES256). */
  tokenKey: 'token-key.pem',
} as const;

export const DEFAULT_CA_DIR = '.isthmus/ca';

export async function writeAtomic(file: string, text: string, secret = false): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { mode: secret ? 0o600 : 0o644 });
  await rename(tmp, file);
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
