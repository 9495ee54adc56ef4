// Notices changes anywhere under a directory. Node's `fs.watch(dir, {recursive: true})` is native
// on macOS and Windows, but on Linux (Node 20) it sees content changes to known files only by
// stat polling every few seconds, and can miss a file replaced by rename. So on Linux we put a
// plain inotify watch on every directory of the tree instead, and re-sync that set on each scan.
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const NATIVE_RECURSIVE = process.platform === 'darwin' || process.platform === 'win32';

export class DirectoryWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  #closed = false;

  constructor(
    private readonly root: string,
    /** Called on any change with the path that changed, or undefined when not known; callers coalesce. */
    private readonly onChange: (path?: string) => void,
    private readonly onError: (e: Error) => void,
  ) {}

  /** Watches every directory now under the root (and stops watching removed ones). Call before reading. */
  async sync(): Promise<void> {
    if (this.#closed) return;
    if (NATIVE_RECURSIVE) {
      if (!this.#watchers.has(this.root)) this.#add(this.root, true);
      return;
    }
    const dirs = new Set(await directoriesUnder(this.root));
    if (this.#closed) return;
    for (const [dir, w] of this.#watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of dirs) if (!this.#watchers.has(dir)) this.#add(dir, false);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }

  #add(dir: string, recursive: boolean): void {
    try {
      const w = watch(dir, { recursive }, (_event, name) => this.onChange(name ? join(dir, name.toString()) : undefined));
      w.on('error', (e) => {
        // Typically the directory went away; the next scan re-syncs the set.
        w.close();
        this.#watchers.delete(dir);
        if (dir === this.root) this.onError(e);
        this.onChange();
      });
      this.#watchers.set(dir, w);
    } catch (e) {
      if (dir === this.root) this.onError(e as Error);
    }
  }
}

/** The root and every directory below it, skipping hidden ones as the loader does. */
async function directoriesUnder(root: string): Promise<string[]> {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    let entries;
    try {
      entries = await readdir(out[i] as string, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) out.push(join(out[i] as string, e.name));
  }
  return out;
}
