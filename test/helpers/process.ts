// Long-running `isthmus` processes for end-to-end tests: started for real, their output kept,
// `ready` awaited, and stopped (SIGTERM, then SIGKILL) when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { repoPath } from './paths.js';

export interface RunningProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the first line matching `pattern` (already printed or yet to come). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM; resolves with the exit code once it exited (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export function startIsthmus(args: string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
  return startProcess(process.execPath, [repoPath('bin/isthmus.js'), ...args], env);
}

export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(text);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => text,
    waitForLine(pattern, timeoutMs = 20_000) {
      const m = pattern.exec(text);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} from ${args.slice(0, 2).join(' ')}; output:\n${text}`)), timeoutMs);
        const done = (x: RegExpExecArray) => {
          clearTimeout(timer);
          resolve(x);
        };
        waiters.push({ pattern, resolve: done });
        void exited.then((code) => {
          if (waiters.some((w) => w.resolve === done)) {
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before printing ${pattern}; output:\n${text}`));
          }
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Ports free right now on 127.0.0.1, for processes that must be told their ports up front.
 * Drawn below the kernel's ephemeral range (32768+) so an outgoing connection elsewhere cannot
 * take one before the process binds it; held together so the n are distinct.
 */
export async function freePorts(n: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    while (held.length < n) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      const server = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) held.push(server);
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
