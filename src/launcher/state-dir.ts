// The state directory of `isthmus up` (default ./.isthmus): the config store (config/, the same
// directory `isthmus apply` writes by default), the mesh CA's directory (ca/: its root and token
// key, never a workload key), one log per process (logs/), and a lock naming the `up` that uses
// it, so two meshes never share one store by accident.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { meshInfoFile } from './mesh-info.js';

export class StateDirBusyError extends Error {
  readonly code = 'STATE_DIR_BUSY';
}

export interface StateDir {
  root: string;
  configDir: string;
  caDir: string;
  logsDir: string;
  logFile(process: string): string;
  /** Whether a marker file (such as "installed the demo") exists; `mark` creates it. */
  has(marker: string): boolean;
  mark(marker: string): void;
  /** Also removes what only holds while this `up` runs (mesh.json, the lock). */
  release(): void;
}

export function claimStateDir(root: string): StateDir {
  const configDir = join(root, 'config');
  const logsDir = join(root, 'logs');
  const caDir = join(root, 'ca');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  mkdirSync(logsDir, { recursive: true });
  const lock = join(root, 'up.pid');
  const holder = lockHolder(lock);
  if (holder !== undefined) {
    throw new StateDirBusyError(`another "isthmus up" (pid ${holder}) is using the state dir ${root}; stop it first, or give this one its own with --state-dir DIR`);
  }
  writeFileSync(lock, `${process.pid}\n`);
  const marker = (name: string) => join(root, `.${name}`);
  return {
    root,
    configDir,
    caDir,
    logsDir,
    logFile: (name) => join(logsDir, `${name}.log`),
    has: (name) => readable(marker(name)),
    mark: (name) => writeFileSync(marker(name), `${new Date().toISOString()}\n`),
    release: () => {
      rmSync(meshInfoFile(root), { force: true });
      rmSync(lock, { force: true });
    },
  };
}

/** The pid of the `up` holding the state dir `root`, if it still runs. */
export function upHolding(root: string): number | undefined {
  return lockHolder(join(root, 'up.pid'));
}

/** The pid in the lock file if that process still runs (a crashed `up` leaves a stale lock). */
function lockHolder(lock: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}
