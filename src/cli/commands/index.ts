// The CLI's commands, each loaded only when it runs: a sidecar (`isthmus proxy`) then never
// loads the manager, the config schemas or Mixer — about 25 MB less resident memory per proxy
// and a faster start, which `isthmus up` pays once per process. Help loads them all.
import type { Command } from '../command.js';

const LOADERS: ReadonlyMap<string, () => Promise<Command>> = new Map([
  ['apply', async () => (await import('./apply.js')).applyCommand],
  ['get', async () => (await import('./get.js')).getCommand],
  ['delete', async () => (await import('./delete.js')).deleteCommand],
  ['analyze', async () => (await import('./analyze.js')).analyzeCommand],
  ['control-plane', async () => (await import('./control-plane.js')).controlPlaneCommand],
  ['ca', async () => (await import('./ca.js')).caCommand],
  ['mixer', async () => (await import('./mixer.js')).mixerCommand],
  ['proxy', async () => (await import('./proxy.js')).proxyCommand],
  ['proxy-status', async () => (await import('./proxy-status.js')).proxyStatusCommand],
  ['dashboard', async () => (await import('./dashboard.js')).dashboardCommand],
  ['proxy-config', async () => (await import('./proxy-config.js')).proxyConfigCommand],
  ['up', async () => (await import('./up.js')).upCommand],
  ['run', async () => (await import('./run.js')).runCommand],
  ['version', async () => (await import('./version.js')).versionCommand],
]);

export const COMMAND_NAMES: readonly string[] = [...LOADERS.keys()];

/** The command called `name`, or undefined when there is none. */
export function loadCommand(name: string): Promise<Command | undefined> {
  return LOADERS.get(name)?.() ?? Promise.resolve(undefined);
}

/** Every command, in the order help lists them. */
export function loadAllCommands(): Promise<Command[]> {
  return Promise.all([...LOADERS.values()].map((load) => load()));
}
