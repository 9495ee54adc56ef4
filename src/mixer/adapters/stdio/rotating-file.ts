// An append-only log file that rotates by size: NAME → NAME.1 → … → NAME.N, oldest dropped.
// Writes are synchronous and whole-batch, so lines are never interleaved or torn, and a reader
// sees every line of a Report as soon as the Report returns.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export class RotatingFile {
  #fd: number;
  #size: number;

  constructor(readonly path: string, readonly maxBytes: number, readonly keep: number) {
    this.#fd = openSync(path, 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  write(text: string): void {
    const bytes = Buffer.from(text);
    if (this.#size > 0 && this.#size + bytes.length > this.maxBytes) this.#rotate();
    writeSync(this.#fd, bytes);
    this.#size += bytes.length;
  }

  #rotate(): void {
    closeSync(this.#fd);
    if (this.keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(`${this.path}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameSync(this.path, `${this.path}.1`);
    }
    this.#fd = openSync(this.path, 'a');
    this.#size = 0;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
