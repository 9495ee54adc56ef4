// Runs the token's command-line tools as child processes. The PIN travels in the child's
// environment (readable only by the same user), never on a command line other users can see
// in /proc/<pid>/cmdline. No key material passes through these processes: they only ask the
// token to generate, sign or destroy.
import { spawn } from 'node:child_process';
import { Pkcs11Error } from './errors.js';

/** The variable name under which children receive the PIN (`--pin env:…`, `-passin env:…`). */
export const PIN_VARIABLE = 'ISTHMUS_PKCS11_CHILD_PIN';

const TOOL_PACKAGES: Record<string, string> = { 'pkcs11-tool': 'opensc', openssl: 'openssl' };

export interface ToolResult {
  stdout: string;
  stderr: string;
}

export function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        const pkg = TOOL_PACKAGES[command];
        reject(new Pkcs11Error('MISSING_PACKAGE', `${command} was not found on PATH${pkg ? `: apt-get install ${pkg}` : ''}`));
      } else reject(new Pkcs11Error('TOKEN', `${command} could not be started: ${e.message}`));
    });
    child.once('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Pkcs11Error('TOKEN', `${command} ${args[0] ?? ''} failed (exit ${code}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
