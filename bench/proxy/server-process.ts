// One long-running server the bench starts (the upstream, nginx, haproxy, the control plane, an
// Isthmus proxy): spawned as a tracked child so nothing outlives the bench, its output drained
// (a full pipe would stall it) with the last lines kept for error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stop, track } from '../common/children.js';
import { waitForPort } from './ports.js';

const TAIL = 20;

export interface ServerOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Ready when a stdout line matches this … */
  readyLine?: RegExp;
  /** … or when this port accepts connections. */
  readyPort?: number;
  readyTimeoutMs?: number;
}

export class ServerProcess {
  private readonly tail: string[] = [];
  private readonly lineWaiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];

  private constructor(readonly child: ChildProcess, readonly label: string) {
    const onLine = (line: string): void => {
      this.tail.push(line);
      if (this.tail.length > TAIL) this.tail.shift();
      for (const w of [...this.lineWaiters]) {
        const m = w.pattern.exec(line);
        if (m) {
          this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine);
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', onLine);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  output(): string {
    return this.tail.join('\n');
  }

  static async start(label: string, opts: ServerOptions): Promise<ServerProcess> {
    const child = track(spawn(opts.command, [...opts.args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const server = new ServerProcess(child, label);
    const timeoutMs = opts.readyTimeoutMs ?? 20_000;
    const exitedWhy = (): string | undefined => (server.exited ? `${label} exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${server.output()}` : undefined);
    try {
      if (opts.readyLine) await server.waitForLine(opts.readyLine, timeoutMs);
      if (opts.readyPort !== undefined) await waitForPort(opts.readyPort, timeoutMs, exitedWhy);
    } catch (err) {
      await stop(child, 2000);
      throw err;
    }
    return server;
  }

  /** The first line matching `pattern` among the last few printed or yet to come; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    for (const line of this.tail) {
      const m = pattern.exec(line);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.output()}`)), timeoutMs);
      const onExit = (): void => {
        clearTimeout(timer);
        reject(new Error(`${this.label} exited (${this.child.signalCode ?? this.child.exitCode}) before printing ${pattern}:\n${this.output()}`));
      };
      if (this.exited) return onExit();
      this.child.once('exit', onExit);
      this.lineWaiters.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(m);
        },
      });
    });
  }

  /** SIGTERM (a clean exit is what makes `--cpu-prof` write its profile), SIGKILL after the grace. */
  stop(graceMs = 10_000): Promise<void> {
    return stop(this.child, graceMs);
  }
}
