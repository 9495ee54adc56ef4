// The mesh CA as the launcher uses it. The manager runs the CA (istiod-style) from a directory
// under the state dir; the launcher only prepares that directory and mints each workload's
// bootstrap token, so every proxy can start at the same moment as the manager instead of
// waiting for it: the proxy reads the trust bundle file at start and retries the CA until it
// answers.
//
// The CA module (X.509, gRPC) is loaded only when needed and while the processes that need no
// identity (the manager, the applications) are already starting: `up` pays for it off the
// critical path.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Istio's default; the manager is started without --trust-domain, so it signs for this one. */
export const MESH_TRUST_DOMAIN = 'cluster.local';

/** The CA directory's trust bundle file (the CA module's CA_FILES.bundle). */
const BUNDLE_FILE = 'root-cert.pem';

/**
 * How long a bootstrap token is accepted. It is only the first proof of identity: the proxy
 * renews with its certificate afterwards, so a day (Istio's certificate lifetime) is plenty.
 */
const TOKEN_TTL_SECONDS = 24 * 3600;

const caModule = () => import('../ca/index.js');

export interface MeshCa {
  caDir: string;
  /** The trust bundle every proxy verifies the CA's serving certificate with (--ca-root). */
  rootFile: string;
  /** HOST:PORT of the CA's certificate service (--ca-address). */
  address: string;
  trustDomain: string;
  /** A bootstrap token for one workload identity (handed to its proxy as ISTHMUS_CA_TOKEN). */
  token(namespace: string, serviceAccount: string): Promise<string>;
  /** spiffe://<trust-domain>/ns/<namespace>/sa/<service-account> */
  spiffeId(namespace: string, serviceAccount: string): string;
}

/** What a proxy needs to get its certificate: where the CA is and which root it chains to. */
export interface ProxyIdentityFlags {
  caAddress: string;
  caRoot: string;
  /** A bootstrap token the user keeps in a file (`isthmus run --token-file`); else ISTHMUS_CA_TOKEN. */
  tokenFile?: string;
}

export function caRootFile(caDir: string): string {
  return join(caDir, BUNDLE_FILE);
}

/**
 * On the first use of `caDir`, makes its root and token key here (by opening the CA once on a
 * throwaway port), so the bundle file the proxies are given exists before any of them starts
 * and the manager, started after, finds the root instead of racing to make its own.
 */
export async function prepareCaDir(caDir: string): Promise<void> {
  if (existsSync(caRootFile(caDir))) return;
  const { startCa } = await caModule();
  const once = await startCa({ caDir, port: 0, trustDomain: MESH_TRUST_DOMAIN });
  await once.close();
}

/** The CA of a prepared directory, served (by the manager) at `address`. */
export async function meshCaAt(caDir: string, address: string): Promise<MeshCa> {
  const { mintToken, spiffeUri, tokenKeys } = await caModule();
  const keys = await tokenKeys(caDir);
  return {
    caDir,
    rootFile: caRootFile(caDir),
    address,
    trustDomain: MESH_TRUST_DOMAIN,
    token: (namespace, serviceAccount) => mintToken(keys, namespace, serviceAccount, TOKEN_TTL_SECONDS),
    spiffeId: (namespace, serviceAccount) => spiffeUri({ trustDomain: MESH_TRUST_DOMAIN, namespace, serviceAccount }),
  };
}

/** What every proxy of one `up` is given: the CA flags, and a token per identity, minted up front. */
export interface MeshIdentities {
  ca: MeshCa;
  flags: ProxyIdentityFlags;
  /** The environment of the proxy that runs as `namespace`/`serviceAccount`. */
  envFor(namespace: string, serviceAccount: string): NodeJS.ProcessEnv;
}

/** Mints one token per distinct identity (in parallel: each is one ES256 signature). */
export async function meshIdentities(ca: MeshCa, identities: readonly { namespace: string; serviceAccount: string }[]): Promise<MeshIdentities> {
  const key = (ns: string, sa: string) => `${ns}/${sa}`;
  const distinct = [...new Map(identities.map((i) => [key(i.namespace, i.serviceAccount), i])).values()];
  const tokens = new Map(await Promise.all(distinct.map(async (i) => [key(i.namespace, i.serviceAccount), await ca.token(i.namespace, i.serviceAccount)] as const)));
  return {
    ca,
    flags: { caAddress: ca.address, caRoot: ca.rootFile },
    envFor(ns, sa) {
      const token = tokens.get(key(ns, sa));
      if (token === undefined) throw new Error(`no bootstrap token was minted for ${key(ns, sa)}`);
      return tokenEnv(token);
    },
  };
}

/** The environment of a proxy whose bootstrap token is passed in memory, never in a file. */
export function tokenEnv(token: string): NodeJS.ProcessEnv {
  return { ...process.env, ISTHMUS_CA_TOKEN: token };
}
