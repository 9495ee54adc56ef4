// Sidecars whose workload keys live in a SoftHSM2 token (issue #5, `--private-key-provider
// pkcs11`), and what the tests ask the token and the disk about them: the private key objects the
// token holds (pkcs11-tool), the public half of one (to match the certificate a port serves), and
// every file changed during a run that parses as a private key.
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { Sidecar } from '../proxy/e2e/mesh.js';
import { filesModifiedSince, SOFTHSM_MODULE, type P11KitServer, type SoftHsmToken } from '../helpers/softhsm.js';
import type { IdentityMesh } from './mesh-identity.js';

const run = promisify(execFile);

export type TokenMode = 'in-process' | 'out-of-process';

/**
 * The environment of a proxy that keeps its keys in `token`: SoftHSM2 loaded into the proxy, or
 * (out of process) only p11-kit-client.so talking to `server` — and then no SOFTHSM2_CONF at all,
 * so the proxy could not open the token itself if it tried.
 */
export function pkcs11Env(token: SoftHsmToken, mode: TokenMode, server?: P11KitServer): Record<string, string | undefined> {
  const common = { ISTHMUS_PKCS11_TOKEN: token.label, ISTHMUS_PKCS11_PIN_FILE: token.pinFile, ISTHMUS_PKCS11_PIN: undefined };
  if (mode === 'in-process') return { ...common, ISTHMUS_PKCS11_MODE: 'in-process', ISTHMUS_PKCS11_MODULE: SOFTHSM_MODULE, SOFTHSM2_CONF: token.conf };
  if (!server) throw new Error('out-of-process mode needs the p11-kit server');
  return { ...common, ISTHMUS_PKCS11_MODE: 'out-of-process', ISTHMUS_PKCS11_SERVER_ADDRESS: server.address, ISTHMUS_PKCS11_MODULE: undefined, SOFTHSM2_CONF: undefined };
}

/**
 * A sidecar of `m` started with `--private-key-provider pkcs11` and `env`. Mesh.sidecar spawns
 * with this process's environment, so `env` is set here only until the proxy is up (callers
 * start token sidecars one at a time); `undefined` unsets a variable.
 */
export async function tokenSidecar(m: IdentityMesh, o: Parameters<IdentityMesh['sidecar']>[0], env: Record<string, string | undefined>): Promise<Sidecar> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    return await m.sidecar({ ...o, extraArgs: ['--private-key-provider', 'pkcs11', ...(o.extraArgs ?? [])] });
  } finally {
    apply(saved);
  }
}

export interface TokenKeyObject {
  /** CKA_ID, hex. */
  id: string;
  label: string;
  /** pkcs11-tool's "Access:" words: sensitive, always sensitive, never extractable, local… */
  access: string[];
}

/** The private key objects in `token`, as pkcs11-tool lists them (opening the token directly). */
export async function tokenPrivateKeys(token: SoftHsmToken): Promise<TokenKeyObject[]> {
  const { stdout } = await pkcs11Tool(token, ['--login', '--pin', token.pin, '--list-objects', '--type', 'privkey']);
  return stdout.split(/^(?=Private Key Object)/m).filter((b) => b.startsWith('Private Key Object')).map((block) => ({
    id: /^\s*ID:\s*(\S+)/m.exec(block)?.[1] ?? '',
    label: /^\s*label:\s*(.*)$/m.exec(block)?.[1]?.trim() ?? '',
    access: (/^\s*Access:\s*(.*)$/m.exec(block)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  }));
}

/** The public key with CKA_ID `idHex`, read out of the token (public objects are readable). */
export async function tokenPublicKey(token: SoftHsmToken, idHex: string): Promise<KeyObject> {
  const { stdout } = await pkcs11Tool(token, ['--read-object', '--type', 'pubkey', '--id', idHex], 'buffer');
  return createPublicKey({ key: stdout, format: 'der', type: 'spki' });
}

/** The token's private key whose public half is `pub` (a served certificate's key), if any. */
export async function tokenKeyFor(token: SoftHsmToken, pub: KeyObject): Promise<TokenKeyObject | undefined> {
  const want = spki(pub);
  for (const key of await tokenPrivateKeys(token)) {
    if (spki(await tokenPublicKey(token, key.id)).equals(want)) return key;
  }
  return undefined;
}

function pkcs11Tool(token: SoftHsmToken, args: string[]): Promise<{ stdout: string }>;
function pkcs11Tool(token: SoftHsmToken, args: string[], encoding: 'buffer'): Promise<{ stdout: Buffer }>;
function pkcs11Tool(token: SoftHsmToken, args: string[], encoding?: 'buffer'): Promise<{ stdout: string | Buffer }> {
  return run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', token.label, ...args], {
    env: { ...process.env, SOFTHSM2_CONF: token.conf },
    encoding: encoding ?? 'utf8',
    timeout: 20_000,
  });
}

export function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Files under `roots` changed since `since` that hold the private half of any of `publicKeys`,
 * in any form OpenSSL reads without a passphrase (PEM, or DER as PKCS#8, SEC1 or PKCS#1).
 * Also returns how many files were looked at, so a scan that saw nothing cannot pass unnoticed.
 */
export function filesHoldingPrivateKeys(publicKeys: KeyObject[], since: number, roots: { dir: string; exclude?: string[] }[]): { holders: string[]; scanned: string[] } {
  const wanted = publicKeys.map(spki);
  const scanned = roots.flatMap((r) => filesModifiedSince(r.dir, since, r.exclude ?? []));
  const holders = scanned.filter((file) => privateKeysIn(file).some((priv) => wanted.some((w) => w.equals(spki(createPublicKey(priv))))));
  return { holders, scanned };
}

function privateKeysIn(file: string): KeyObject[] {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return [];
  }
  if (data.length > 1_000_000) return [];
  const forms: (() => KeyObject)[] = [
    () => createPrivateKey({ key: data, format: 'pem' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'sec1' }),
    () => createPrivateKey({ key: data, format: 'der', type: 'pkcs1' }),
  ];
  for (const form of forms) {
    try {
      return [form()];
    } catch {
      // not this form
    }
  }
  return [];
}
