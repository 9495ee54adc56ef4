// The processes a launcher started, each in its own process group, so that stopping one also
// stops whatever it forked, and a Ctrl-C at the terminal reaches only the launcher, which then
// stops its children in order instead of everything dying at once mid-request.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { CommandLine } from './isthmus-bin.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Supervised {
  name: string;
  pid: number;
  child: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  running(): boolean;
  /** Why the program could not be started at all (e.g. "spawn python4 ENOENT"). */
  startError?: string;
  readonly stopLast: boolean;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where stdout and stderr go: a log file (appended), piped to the caller, or the terminal. */
  output: { logFile: string } | 'pipe' | 'inherit';
  /** Own process group (default). False keeps the child in the caller's (terminal) group. */
  ownGroup?: boolean;
  /** Stopped only once every other child has exited (the manager: proxies drain while it still serves them). */
  stopLast?: boolean;
}

export class Supervisor {
  readonly #children: Supervised[] = [];
  readonly #exitListeners: ((s: Supervised, status: ExitStatus) => void)[] = [];
  #stopping = false;

  get children(): readonly Supervised[] {
    return this.#children;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Called for every child that exits (also while stopping). */
  onExit(listener: (s: Supervised, status: ExitStatus) => void): void {
    this.#exitListeners.push(listener);
  }

  start(name: string, cmd: CommandLine, opts: StartOptions): Supervised {
    let fd: number | undefined;
    let stdio: StdioOptions;
    if (typeof opts.output === 'object') {
      fd = openSync(opts.output.logFile, 'a');
      writeSync(fd, `--- ${new Date().toISOString()} ${cmd.command} ${cmd.args.join(' ')}\n`);
      stdio = ['ignore', fd, fd];
    } else {
      stdio = opts.output === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit';
    }
    const ownGroup = opts.ownGroup ?? true;
    let child: ChildProcess;
    try {
      child = spawn(cmd.command, cmd.args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio, detached: ownGroup });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    let exitedNow = false;
    const exited = new Promise<ExitStatus>((resolve) => {
      // A program that cannot be started at all (ENOENT) reports 'error' and never 'exit'.
      child.once('error', (e) => {
        supervised.startError = e.message;
        resolve({ code: 127, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    }).then((status) => {
      exitedNow = true;
      // Whatever the leader forked and left behind goes with it.
      if (ownGroup && child.pid) signalGroup(child.pid, 'SIGKILL');
      for (const l of this.#exitListeners) l(supervised, status);
      return status;
    });
    const supervised: Supervised = { name, pid: child.pid ?? -1, child, exited, running: () => !exitedNow, stopLast: opts.stopLast ?? false };
    this.#children.push(supervised);
    return supervised;
  }

  /** SIGTERM to one child's group; SIGKILL if it is still there after `graceMs` (then `killed`). */
  async stop(s: Supervised, graceMs: number): Promise<ExitStatus & { killed: boolean }> {
    if (s.running()) signalGroup(s.pid, 'SIGTERM', s.child);
    let killed = false;
    const timer = setTimeout(() => {
      if (!s.running()) return;
      killed = true;
      signalGroup(s.pid, 'SIGKILL', s.child);
    }, graceMs);
    const status = await s.exited;
    clearTimeout(timer);
    return { ...status, killed };
  }

  /**
   * Stops every child (each drains on SIGTERM), all at once except the `stopLast` ones, which
   * follow; resolves when all have exited, with the names of those that had to be killed.
   */
  async stopAll(graceMs: number): Promise<string[]> {
    this.#stopping = true;
    const killed: string[] = [];
    for (const last of [false, true]) {
      const wave = this.#children.filter((c) => c.stopLast === last);
      const results = await Promise.all(wave.map(async (c) => ({ name: c.name, ...(await this.stop(c, graceMs)) })));
      killed.push(...results.filter((r) => r.killed).map((r) => r.name));
    }
    return killed;
  }
}

/** Signals a process group; falls back to the process itself when it leads no group. */
function signalGroup(pid: number, signal: NodeJS.Signals, child?: ChildProcess): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already, or the child shares ours (ownGroup: false).
    child?.kill(signal);
  }
}

/** The shell's convention for an exit status: the code, or 128 + the signal's number. */
export function exitCodeOf(status: ExitStatus): number {
  if (status.code !== null) return status.code;
  return 128 + (status.signal ? constants.signals[status.signal] ?? 0 : 0);
}
