// Where access log lines go: a stream (stdout, or a file opened for append), written in batches.
// A busy proxy finishes thousands of streams a second; one write per line would be one syscall
// per request, so lines gather in memory and go out together when the batch is big enough or a
// short timer fires (Envoy's file access log flushes every second the same way), and on close.
// If the stream cannot keep up, lines wait while it drains, up to a bound; beyond it they are
// dropped and counted rather than letting memory grow without limit.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface AccessLogSinkOptions {
  /** Longest a line waits before being written (default 1000 ms, Envoy's file flush interval). */
  flushIntervalMs?: number;
  /** Write as soon as this many bytes are waiting (default 64 KiB). */
  batchBytes?: number;
  /** Bytes held while the stream is backed up before lines are dropped (default 4 MiB). */
  maxPendingBytes?: number;
}

export class AccessLogSink {
  /** Lines dropped because the stream was backed up past `maxPendingBytes`. */
  dropped = 0;
  /** Calls made to the stream's write (one per batch). */
  writes = 0;
  private lines: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly batchBytes: number;
  private readonly maxPendingBytes: number;
  private readonly ownsStream: boolean;
  private readonly onDrain = (): void => {
    this.blocked = false;
    this.flush();
  };

  /** `ownsStream`: close() ends the stream (files); stdout is left open. */
  constructor(
    private readonly stream: Writable,
    options: AccessLogSinkOptions & { ownsStream?: boolean } = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batchBytes = options.batchBytes ?? 64 * 1024;
    this.maxPendingBytes = options.maxPendingBytes ?? 4 * 1024 * 1024;
    this.ownsStream = options.ownsStream ?? false;
    // A write error (disk full, closed pipe) must not crash the proxy; the lines are lost.
    stream.on('error', () => {
      this.blocked = false;
    });
  }

  /** Appends to a file, as MeshConfig accessLogFile does; `/dev/stdout` means the process's stdout. */
  static forPath(path: string, options: AccessLogSinkOptions = {}): AccessLogSink {
    if (path === '/dev/stdout') return new AccessLogSink(process.stdout, options);
    if (path === '/dev/stderr') return new AccessLogSink(process.stderr, options);
    return new AccessLogSink(createWriteStream(path, { flags: 'a' }), { ...options, ownsStream: true });
  }

  /** Queues one line (include the trailing newline). Never blocks, never throws. */
  write(line: string): void {
    if (this.closed) return;
    if (this.pendingBytes + line.length > this.maxPendingBytes) {
      this.dropped++;
      return;
    }
    this.lines.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= this.batchBytes) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes what is waiting now, unless the stream asked us to wait for it to drain. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.blocked || this.lines.length === 0 || this.stream.destroyed) return;
    const chunk = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.pendingBytes = 0;
    this.writes++;
    if (!this.stream.write(chunk)) {
      this.blocked = true;
      this.stream.once('drain', this.onDrain);
    }
  }

  /** Writes everything still waiting; ends the stream when it is ours. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.blocked && !this.stream.destroyed) await once(this.stream, 'drain').catch(() => undefined);
    this.blocked = false;
    this.flush();
    if (this.stream.destroyed) return;
    if (this.ownsStream) {
      this.stream.end();
      await once(this.stream, 'finish').catch(() => undefined);
      return;
    }
    // stdout and friends stay open; wait for what we wrote to be handed to the OS.
    if (this.stream.writableLength > 0) await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }
}
