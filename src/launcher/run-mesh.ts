// Which mesh `isthmus run` joins, and as whom. Three ways, in this order:
// 1. --ca-address/--ca-root (with --token-file or ISTHMUS_CA_TOKEN): a CA the user names;
// 2. --state-dir DIR, or ./.isthmus when an `isthmus up` runs there and no --xds is given: that
//    up's manager and CA, with a token minted from the state dir's token key (the user who owns
//    the state dir may speak for any workload of that demo mesh, as a cluster admin may);
// 3. otherwise --xds alone (default 127.0.0.1:15010): a sidecar without identity (plaintext).
import { resolve } from 'node:path';
import { MESH_TRUST_DOMAIN, meshCaAt, type ProxyIdentityFlags } from './mesh-ca.js';
import { readMeshInfo } from './mesh-info.js';
import { upHolding } from './state-dir.js';

export const DEFAULT_XDS = '127.0.0.1:15010';
export const DEFAULT_STATE_DIR = '.isthmus';

export interface RunMeshFlags {
  xds?: string | undefined;
  stateDir?: string | undefined;
  caAddress?: string | undefined;
  caRoot?: string | undefined;
  tokenFile?: string | undefined;
  namespace: string;
  serviceAccount: string;
}

export interface RunIdentity {
  flags: ProxyIdentityFlags;
  /** Minted here (from a state dir); passed to the sidecar's environment only. */
  token?: string;
  spiffeId: string;
}

export interface RunMesh {
  xds: string;
  identity?: RunIdentity;
}

/** A flag combination that cannot work; the message names the flags. */
export class RunMeshError extends Error {
  readonly code = 'RUN_MESH';
}

export async function resolveRunMesh(f: RunMeshFlags, env: NodeJS.ProcessEnv = process.env): Promise<RunMesh> {
  if (f.caAddress !== undefined || f.caRoot !== undefined || f.tokenFile !== undefined) return namedCa(f, env);
  const stateDir = f.stateDir ?? (f.xds === undefined && upHolding(resolve(DEFAULT_STATE_DIR)) !== undefined ? DEFAULT_STATE_DIR : undefined);
  if (stateDir === undefined) return { xds: f.xds ?? DEFAULT_XDS };
  const root = resolve(stateDir);
  const info = upHolding(root) !== undefined ? readMeshInfo(root) : undefined;
  if (!info) throw new RunMeshError(`no "isthmus up" is running with the state dir ${stateDir} (start one there, or give --xds HOST:PORT for another manager)`);
  if (!info.ca) return { xds: f.xds ?? info.xds };
  const ca = await meshCaAt(info.ca.caDir, info.ca.address);
  return {
    xds: f.xds ?? info.xds,
    identity: {
      flags: { caAddress: info.ca.address, caRoot: info.ca.rootFile },
      token: await ca.token(f.namespace, f.serviceAccount),
      spiffeId: ca.spiffeId(f.namespace, f.serviceAccount),
    },
  };
}

function namedCa(f: RunMeshFlags, env: NodeJS.ProcessEnv): RunMesh {
  if (f.stateDir !== undefined) throw new RunMeshError('--state-dir and --ca-address are alternatives: the state dir already names its CA; give one');
  if (f.caAddress === undefined) throw new RunMeshError('--ca-root and --token-file need --ca-address HOST:PORT (the mesh CA, printed by isthmus control-plane as "ca HOST:PORT")');
  if (f.caRoot === undefined) throw new RunMeshError('--ca-address needs --ca-root FILE: the trust bundle the CA\'s certificate chains to (printed by isthmus control-plane as "trust bundle FILE")');
  if (f.tokenFile === undefined && !env.ISTHMUS_CA_TOKEN) {
    throw new RunMeshError(`--ca-address needs a bootstrap token for ${f.namespace}/${f.serviceAccount}: --token-file FILE or ISTHMUS_CA_TOKEN (mint one with: isthmus ca token --ca-dir DIR -n ${f.namespace} --service-account ${f.serviceAccount})`);
  }
  return {
    xds: f.xds ?? DEFAULT_XDS,
    identity: {
      flags: { caAddress: f.caAddress, caRoot: f.caRoot, ...(f.tokenFile !== undefined ? { tokenFile: f.tokenFile } : {}) },
      // The trust domain is the proxy's default, as the manager's.
      spiffeId: `spiffe://${MESH_TRUST_DOMAIN}/ns/${f.namespace}/sa/${f.serviceAccount}`,
    },
  };
}
