// How the launcher starts other `isthmus` commands and the demo's programs: the same Node
// binary and the same checkout it runs from, so `up` never picks another installed version.
import { fileURLToPath } from 'node:url';

/** The repository root, from this compiled file's place (dist/src/launcher/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function repoFile(rel: string): string {
  return fileURLToPath(new URL(rel, new URL('../../../', import.meta.url)));
}

export interface CommandLine {
  command: string;
  args: string[];
}

export function isthmusCommand(args: string[]): CommandLine {
  return { command: process.execPath, args: [repoFile('bin/isthmus.js'), ...args] };
}
