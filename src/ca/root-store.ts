// The self-signed roots on disk: the current root (which signs) and retired roots still
// trusted until their overlap ends. State lives in the CA directory so a restart keeps it, and
// `isthmus ca rotate-root` can change it under a running manager, which reloads it.
import path from 'node:path';
import { createRoot, splitPem, toPem, type Signer } from './certificates.js';
import { CA_FILES, readIfExists, writeAtomic } from './files.js';
import { generateSigningKey, signingKeyFromPem, type KeyAlgorithm } from './keys.js';
import { x509 } from './x509.js';

interface RetiredRoot {
  certPem: string;
  /** ISO time after which the root leaves the bundle. */
  trustedUntil: string;
}

interface StateFile {
  current: string;
  retired: RetiredRoot[];
}

export interface RootStoreOptions {
  dir: string;
  keyAlgorithm: KeyAlgorithm;
  trustDomain: string;
  now: () => number;
  /** Lifetime of a new root (Istio: 10 years). */
  rootLifetimeMs?: number;
}

export interface RootSnapshot {
  signer: Signer;
  /** Trusted roots, PEM, the current first. */
  bundle: string[];
  /** When the next retired root leaves the bundle, if any. */
  nextExpiry?: number;
}

const TEN_YEARS = 10 * 365 * 24 * 3_600_000;

async function readState(dir: string): Promise<StateFile | undefined> {
  const text = await readIfExists(path.join(dir, CA_FILES.state));
  if (text === undefined) return undefined;
  const s = JSON.parse(text) as StateFile;
  if (typeof s.current !== 'string' || !Array.isArray(s.retired)) throw new Error(`${path.join(dir, CA_FILES.state)}: not a CA state file (fields current, retired)`);
  return s;
}

async function writeState(dir: string, state: StateFile): Promise<void> {
  await writeAtomic(path.join(dir, CA_FILES.state), `${JSON.stringify(state, null, 2)}\n`);
  await writeAtomic(path.join(dir, CA_FILES.bundle), [state.current, ...state.retired.map((r) => r.certPem)].join(''));
}

async function newRoot(opts: RootStoreOptions): Promise<{ keyPem: string; certPem: string }> {
  const key = await generateSigningKey(opts.keyAlgorithm);
  const cert = await createRoot(key, opts.trustDomain, opts.now(), opts.rootLifetimeMs ?? TEN_YEARS);
  return { keyPem: key.pem, certPem: toPem(cert) };
}

/**
 * Loads the roots, creating the first one when the directory has none, and drops retired roots
 * whose overlap has ended (rewriting the bundle file).
 */
export async function loadRoots(opts: RootStoreOptions): Promise<RootSnapshot> {
  let state = await readState(opts.dir);
  const keyFile = path.join(opts.dir, CA_FILES.rootKey);
  let keyPem = await readIfExists(keyFile);
  if (!state && keyPem === undefined) {
    const root = await newRoot(opts);
    keyPem = root.keyPem;
    // The key first: a reader that sees the new state must find its key.
    await writeAtomic(keyFile, keyPem, true);
    state = { current: root.certPem, retired: [] };
    await writeState(opts.dir, state);
  } else if (!state) {
    // A root made elsewhere, copied in as root-cert.pem + root-key.pem.
    const first = splitPem((await readIfExists(path.join(opts.dir, CA_FILES.bundle))) ?? '')[0];
    if (!first) throw new Error(`${opts.dir}: ${CA_FILES.rootKey} exists but ${CA_FILES.bundle} holds no certificate; remove the key to start a new root`);
    state = { current: first, retired: [] };
    await writeState(opts.dir, state);
  } else if (keyPem === undefined) {
    throw new Error(`${keyFile}: missing, but ${CA_FILES.state} names a current root; restore the key or remove the directory to start a new root`);
  }
  const now = opts.now();
  const live = state.retired.filter((r) => Date.parse(r.trustedUntil) > now);
  if (live.length !== state.retired.length) {
    state = { current: state.current, retired: live };
    await writeState(opts.dir, state);
  }
  const key = await signingKeyFromPem(keyPem!, keyFile);
  const cert = new x509.X509Certificate(state.current);
  if (!(await cert.publicKey.equal(await x509.PublicKey.create(key.publicKey)))) {
    throw new Error(`${keyFile} does not belong to the current root in ${CA_FILES.state} (a rotation may be half written; retry)`);
  }
  const expiries = live.map((r) => Date.parse(r.trustedUntil));
  return {
    signer: { key, cert, chainPem: [state.current] },
    bundle: [state.current, ...live.map((r) => r.certPem)],
    nextExpiry: expiries.length ? Math.min(...expiries) : undefined,
  };
}

/**
 * Root rotation: a new root signs from now on; the old one stays in the bundle for `overlapMs`
 * so certificates it signed keep verifying until their holders have renewed.
 */
export async function rotateRoots(opts: RootStoreOptions, overlapMs: number): Promise<void> {
  const before = await loadRoots(opts);
  const root = await newRoot(opts);
  const trustedUntil = new Date(opts.now() + overlapMs).toISOString();
  const state = await readState(opts.dir);
  const retired = [{ certPem: toPem(before.signer.cert), trustedUntil }, ...(state?.retired ?? [])];
  await writeAtomic(path.join(opts.dir, CA_FILES.rootKey), root.keyPem, true);
  await writeState(opts.dir, { current: root.certPem, retired });
}
