// Where a running `isthmus up` can be reached, written to <state-dir>/mesh.json once it is up
// and removed when it stops, so `isthmus run --state-dir DIR` joins that mesh — xDS, and the CA
// with a token minted from the state dir's token key — without the user copying ports around.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MeshInfo {
  /** The manager's xDS address, HOST:PORT. */
  xds: string;
  /** The mesh CA, when the manager runs one. */
  ca?: { address: string; rootFile: string; caDir: string; trustDomain: string };
}

export function meshInfoFile(stateDir: string): string {
  return join(stateDir, 'mesh.json');
}

export function writeMeshInfo(stateDir: string, info: MeshInfo): void {
  writeFileSync(meshInfoFile(stateDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** The info of the `up` running on `stateDir`, or undefined when none has written it. */
export function readMeshInfo(stateDir: string): MeshInfo | undefined {
  const file = meshInfoFile(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const info = JSON.parse(text) as Partial<MeshInfo>;
  if (typeof info.xds !== 'string') throw new Error(`${file} is not a mesh description (no "xds"); stop and restart isthmus up to rewrite it`);
  return info as MeshInfo;
}
