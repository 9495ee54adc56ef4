// The bench's handle on the load process: fork it, ask it one thing at a time, and never wait
// longer than a bound for an answer.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stop, track } from '../common/children.js';
import type { FromLoad, ToLoad } from './load-protocol.js';

export class LoadProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadProcessError';
  }
}

/** The bench gave up on a phase because something outside the load process doomed it. */
export class PhaseAbortedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PhaseAbortedError';
  }
}

/** How often a waiting question re-checks its abort condition. */
const ABORT_POLL_MS = 250;

export class LoadProcess {
  private readonly inbox: FromLoad[] = [];
  private waiter: (() => void) | undefined;
  private exited: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromLoad) => {
      this.inbox.push(m);
      this.waiter?.();
    });
    child.once('exit', (code, signal) => {
      this.exited = `load process exited (${signal ?? code})`;
      this.waiter?.();
    });
  }

  static start(): LoadProcess {
    const entry = fileURLToPath(new URL('./load.js', import.meta.url));
    return new LoadProcess(track(fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Sends a request and waits for the answer of type `expect`, at most `timeoutMs`; gives up
   * early with PhaseAbortedError when `abort` returns a reason.
   */
  async ask<T extends FromLoad['type']>(message: ToLoad, expect: T, timeoutMs: number, abort?: () => string | undefined): Promise<Extract<FromLoad, { type: T }>> {
    this.child.send(message);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m?.type === 'failed') throw new LoadProcessError(`load process failed: ${m.message}`);
      if (m?.type === expect) return m as Extract<FromLoad, { type: T }>;
      if (m) continue; // a stale answer to an earlier, timed-out question
      if (this.exited) throw new LoadProcessError(this.exited);
      const reason = abort?.();
      if (reason) throw new PhaseAbortedError(reason);
      const left = deadline - Date.now();
      if (left <= 0) throw new LoadProcessError(`no "${expect}" answer from the load process within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, abort ? Math.min(left, ABORT_POLL_MS) : left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'close' } satisfies ToLoad);
    await stop(this.child, 5000);
  }
}
