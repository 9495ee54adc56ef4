// The external programs the proxy bench drives, checked up front so a missing one fails the
// bench with the command that installs it rather than halfway through.
import { spawnSync } from 'node:child_process';

/** Program → the Debian package that provides it. */
export const TOOLS: Readonly<Record<string, string>> = {
  wrk: 'wrk',
  h2load: 'nghttp2-client',
  nginx: 'nginx-light',
  haproxy: 'haproxy',
};

export function missingTools(): string[] {
  return Object.keys(TOOLS).filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
}

export function installHint(missing: readonly string[]): string {
  return `missing ${missing.join(', ')}; install with: apt-get install -y ${missing.map((t) => TOOLS[t]).join(' ')}`;
}
