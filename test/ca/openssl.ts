// The real openssl as the CA's peer: it makes keys and CSRs, builds user-supplied CAs, and
// judges the certificates the CA issues (verify, x509 -text).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd });
  return stdout;
}

export async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix = 'isthmus-ca-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export type KeySpec = 'ec' | 'ec-p384' | 'ec-p521' | 'rsa2048' | 'rsa1024';

const KEY_ARGS: Record<KeySpec, string[]> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'ec-p521': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  rsa2048: ['-newkey', 'rsa:2048'],
  rsa1024: ['-newkey', 'rsa:1024'],
};

/** A fresh key and a CSR for `uri` (no SAN when undefined), made by `openssl req`. */
export async function makeCsr(dir: string, name: string, key: KeySpec, uri: string | undefined): Promise<{ keyPem: string; csrPem: string }> {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  await openssl(['req', '-new', '-nodes', ...KEY_ARGS[key], '-keyout', keyFile, '-out', csrFile, '-subj', '/O=workload', ...(uri ? ['-addext', `subjectAltName=URI:${uri}`] : [])]);
  return { keyPem: await readFile(keyFile, 'utf8'), csrPem: await readFile(csrFile, 'utf8') };
}

/** `openssl verify` of a leaf against `rootPem`, with the chain's other certificates untrusted. */
export async function verifyChain(dir: string, rootPem: string, chain: string[]): Promise<string> {
  const root = path.join(dir, 'verify-root.pem');
  const untrusted = path.join(dir, 'verify-untrusted.pem');
  const leaf = path.join(dir, 'verify-leaf.pem');
  await writeFile(root, rootPem);
  await writeFile(untrusted, chain.slice(1).join('') || chain[0]!);
  await writeFile(leaf, chain[0]!);
  return openssl(['verify', '-CAfile', root, '-untrusted', untrusted, leaf]);
}

export async function x509Text(dir: string, pem: string): Promise<string> {
  const file = path.join(dir, 'text.pem');
  await writeFile(file, pem);
  return openssl(['x509', '-noout', '-text', '-in', file]);
}
