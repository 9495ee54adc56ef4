// Paths in the repository, resolved from the compiled test's location (dist/test/…).
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function repoPath(rel: string): string {
  return fileURLToPath(new URL(rel, new URL('../../../', import.meta.url)));
}
