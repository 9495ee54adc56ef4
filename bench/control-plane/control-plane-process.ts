// The real control plane under test: `node bin/isthmus.js control-plane` as a child process,
// on free loopback ports, exactly as a user starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stop, track } from '../common/children.js';

export class ControlPlaneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlPlaneError';
  }
}

export interface ControlPlaneOptions {
  repoRoot: string;
  configDir: string;
  /** Node flags such as --cpu-prof. */
  nodeFlags?: string[];
  readyTimeoutMs: number;
}

const STDERR_TAIL = 20;

export interface HeapSplit {
  heapUsed: number;
  /** Memory held outside the V8 heap by Buffers and ArrayBuffers. */
  external: number;
}

/** What the control plane wrote to stderr, collected while it runs. */
interface StderrLog {
  tail: string[];
  configErrors: string[];
  /** "xds: not sending …": a response the control plane could not build; its clients never sync. */
  refusals: string[];
  lines: number;
}

export class ControlPlaneProcess {
  private constructor(private readonly child: ChildProcess, readonly xdsPort: number, readonly monitoring: string, private readonly stderr: StderrLog) {}

  /** Config errors the control plane printed: the generated mesh must load cleanly. */
  get configErrors(): readonly string[] {
    return this.stderr.configErrors;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(opts: ControlPlaneOptions): Promise<ControlPlaneProcess> {
    const args = [...(opts.nodeFlags ?? []), join(opts.repoRoot, 'bin/isthmus.js'), 'control-plane',
      '--config-dir', opts.configDir, '--xds-port', '0', '--monitoring-port', '0', '--listen-address', '127.0.0.1', '--no-ca'];
    const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.repoRoot }));
    const log: StderrLog = { tail: [], configErrors: [], refusals: [], lines: 0 };
    // Always drained: one log line per connecting proxy must never fill the pipe and stall it.
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      log.lines++;
      if (line.startsWith('config: ')) log.configErrors.push(line);
      if (line.startsWith('xds: not sending ') && log.refusals.length < 10) log.refusals.push(line);
      log.tail.push(line);
      if (log.tail.length > STDERR_TAIL) log.tail.shift();
    });
    let port = 0;
    let monitoring = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ControlPlaneError(`no "ready" within ${opts.readyTimeoutMs} ms`)), opts.readyTimeoutMs);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const m = /^xds [\d.]+:(\d+) monitoring (http:\/\/\S+)$/.exec(line);
        if (m) {
          port = Number(m[1]);
          monitoring = m[2] as string;
        }
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new ControlPlaneError(`exited (${signal ?? code}) before ready:\n${log.tail.join('\n')}`));
      });
    });
    try {
      await ready;
    } catch (err) {
      await stop(child, 2000);
      throw err;
    }
    if (port === 0) {
      await stop(child, 2000);
      throw new ControlPlaneError('said ready without printing its xDS port');
    }
    return new ControlPlaneProcess(child, port, monitoring, log);
  }

  /** The first response the control plane refused to build, if any. */
  firstRefusal(): string | undefined {
    return this.stderr.refusals[0];
  }

  /** V8 heap and off-heap (Buffer) memory from its own /metrics, to say what the RSS is made of. */
  async heap(): Promise<HeapSplit | undefined> {
    try {
      const text = await (await fetch(`${this.monitoring}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      return { heapUsed: metric('nodejs_heap_size_used_bytes'), external: metric('nodejs_external_memory_bytes') };
    } catch {
      return undefined; // the split is a diagnosis, not a measurement the run depends on
    }
  }

  stderrTail(): string {
    return this.stderr.tail.join('\n');
  }

  /** SIGTERM and wait: a clean exit is what makes --cpu-prof write its profile. */
  stop(): Promise<void> {
    return stop(this.child, 20_000);
  }
}
