// The file backend (the default): a directory of YAML/JSON files that people edit by hand and
// `isthmus apply` writes to. The files are the truth; the store keeps a validated view of them,
// watches the directory, and turns file changes into watch events by diffing resources.
//
// Rules, in the order they matter to a user:
// - A file is the unit of change. A file with any error (syntax, schema, unreadable) changes
//   nothing it already contributed: its last good resources are KEPT, so a typo while editing
//   never removes live config. Its errors are in errors() until the file is fixed or removed.
//   A file seen for the first time with errors contributes only its valid documents. The kept
//   state lives in memory: after a restart a still-broken file contributes its valid documents.
// - The same resource in two files: the first by sorted path wins; the other is an error.
// - Revisions: every resource gets a fresh revision when the store opens, and revisions never
//   repeat across restarts because the highest revision that may have been handed out is
//   persisted in `<dir>/.isthmus-revision` BEFORE it is handed out (reserved in blocks, like
//   etcd's ID allocator, so most writes do not touch it). We do not keep resourceVersion in the
//   YAML: a hand edit or a delete while the store was down would leave an old number there that
//   a stale client could then match. So a resourceVersion read before a restart always conflicts.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE_EXTENSIONS, ConfigError, expandPaths, loadText, resourceKey, type LoadedResource, type Resource, type ResourceOrigin } from '../api/index.js';
import { readIfExists, removeFile, writeAtomic } from './atomic-file.js';
import { DirectoryWatcher } from './dir-watcher.js';
import { BadFileError, NotFoundError, StoreClosedError, StoreError } from './errors.js';
import { removeDocument, upsertDocument } from './file-docs.js';
import { History } from './history.js';
import { byKey, checkPrecondition, content, keyOf, matches, sameContent, validateForStore } from './rules.js';
import type { ApplyOptions, ConfigStore, DeleteOptions, ListFilter, Subscription, WatchEventType, WatchHandler } from './store.js';

export const DEFAULT_CONFIG_DIR = '.isthmus/config';
const LEASE_FILE = '.isthmus-revision';
/** Files the store itself writes: the lease and `.NAME.HEX.tmp` temp files (atomic-file.ts). */
const OWN_FILE = /^(\.isthmus-revision|\..+\.[0-9a-f]{12}\.tmp)$/;

export interface FileStoreOptions {
  dir: string;
  /** Events kept for watch replay (default 10,000). */
  historyLimit?: number;
  /** Quiet time after a directory change before rescanning, so a burst is read once (default 50 ms). */
  debounceMs?: number;
  /** Watch the directory for outside edits (default true); without it, call rescan(). */
  watch?: boolean;
  /** Revisions reserved per write of the lease file (default 1,000). */
  leaseSize?: number;
}

interface FileEntry {
  /** Text last read or written; undefined when the file could not be read. */
  text: string | undefined;
  errors: ConfigError[];
  /** What the file contributes: its current resources if it loads cleanly, else the last good ones. */
  resources: LoadedResource[];
}

interface Held {
  resource: Resource;
  file: string;
}

export class FileStore implements ConfigStore {
  readonly #dir: string;
  readonly #history: History;
  readonly #debounceMs: number;
  readonly #leaseSize: number;
  #lease: number;
  readonly #files = new Map<string, FileEntry>();
  readonly #view = new Map<string, Held>();
  #fileErrors: ConfigError[] = [];
  // Problems with the directory itself, by what found them.
  readonly #sourceErrors = { scan: [] as ConfigError[], watch: [] as ConfigError[] };
  #errors: readonly ConfigError[] = [];
  readonly #errorListeners = new Set<(errors: readonly ConfigError[]) => void>();
  // Every read-modify-write of the directory runs here, one at a time: applies, deletes, rescans.
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: DirectoryWatcher | undefined;
  /** Paths watch events named since the last scan; 'all' when an event named none. */
  #dirty: Set<string> | 'all' = new Set();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(dir: string, opts: FileStoreOptions, lease: number) {
    this.#dir = dir;
    this.#lease = lease;
    this.#history = new History({ limit: opts.historyLimit, startRevision: lease });
    this.#debounceMs = opts.debounceMs ?? 50;
    this.#leaseSize = opts.leaseSize ?? 1000;
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const dir = resolve(opts.dir);
    await mkdir(dir, { recursive: true });
    const store = new FileStore(dir, opts, await readLease(dir));
    // The watcher exists before the first scan; every scan syncs it before reading, so an edit
    // made while we read is still noticed.
    if (opts.watch !== false) store.#startWatching();
    try {
      await store.rescan();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  get dir(): string {
    return this.#dir;
  }

  list(filter?: ListFilter): Resource[] {
    const out: Resource[] = [];
    for (const held of this.#view.values()) if (matches(held.resource, filter)) out.push(held.resource);
    return out.sort(byKey);
  }

  get(kind: string, namespace: string, name: string): Resource | undefined {
    return this.#view.get(keyOf(kind, namespace, name))?.resource;
  }

  /** The file a resource is read from, for messages that send the user there. */
  fileOf(kind: string, namespace: string, name: string): string | undefined {
    return this.#view.get(keyOf(kind, namespace, name))?.file;
  }

  async apply(input: Resource | Record<string, unknown>, opts: ApplyOptions = {}): Promise<Resource> {
    this.#assertOpen();
    const resource = validateForStore(input);
    const key = resourceKey(resource);
    return this.#serial(async () => {
      await this.#refresh(this.#view.get(key)?.file ?? this.#defaultPath(resource));
      const held = this.#view.get(key);
      checkPrecondition(key, resource.metadata.resourceVersion, held?.resource);
      if (held && sameContent(held.resource, resource)) return held.resource;
      if (opts.dryRun) return resource;
      // A resource already in a user's file is rewritten there; a new one gets its own file.
      const path = held?.file ?? this.#defaultPath(resource);
      const entry = this.#usableEntry(key, path);
      let text: string;
      try {
        text = upsertDocument(entry?.text ?? '', path, resource);
      } catch (e) {
        throw new StoreError('IO', `cannot update ${key} in ${path}: ${(e as Error).message}`);
      }
      await this.#io(path, () => writeAtomic(path, text));
      await this.#reconcile(new Map([[path, text]]));
      const stored = this.#view.get(key);
      if (!stored) throw new StoreError('IO', `${key} was written to ${path} but did not read back; see errors()`);
      return stored.resource;
    });
  }

  async delete(kind: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    this.#assertOpen();
    const key = keyOf(kind, namespace, name);
    await this.#serial(async () => {
      const before = this.#view.get(key);
      if (before) await this.#refresh(before.file);
      const held = this.#view.get(key);
      if (!held) throw new NotFoundError(key);
      checkPrecondition(key, opts.resourceVersion, held.resource);
      const path = held.file;
      const entry = this.#usableEntry(key, path);
      const text = entry?.text ?? '';
      const next = removeDocument(text, key);
      if (next === text) throw new StoreError('IO', `cannot find the document of ${key} in ${path}; run rescan() and retry`);
      if (next === null) await this.#io(path, () => removeFile(path));
      else await this.#io(path, () => writeAtomic(path, next));
      await this.#reconcile(new Map([[path, next]]));
    });
  }

  watch(fromRevision: number, handler: WatchHandler, onError?: (err: unknown) => void): Subscription {
    this.#assertOpen();
    return this.#history.watch(fromRevision, handler, onError);
  }

  revision(): number {
    return this.#history.revision;
  }

  errors(): readonly ConfigError[] {
    return this.#errors;
  }

  onErrors(listener: (errors: readonly ConfigError[]) => void): Subscription {
    this.#errorListeners.add(listener);
    return { close: () => this.#errorListeners.delete(listener) };
  }

  /**
   * Reads the whole directory now and publishes what changed. The watcher calls this for you;
   * call it yourself where file watching is unavailable (or to be sure an edit has been seen).
   */
  rescan(): Promise<void> {
    this.#assertOpen();
    return this.#serial(() => this.#rescan());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    clearTimeout(this.#timer);
    await this.#queue; // let a write in progress finish, so no temp file is left behind
    this.#history.close();
    this.#errorListeners.clear();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      this.#assertOpen();
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  #defaultPath(r: Resource): string {
    return join(this.#dir, r.metadata.namespace, `${r.kind.toLowerCase()}-${r.metadata.name}.yaml`);
  }

  /** The file's entry, unless the file has errors: editing it then could publish half a fix. */
  #usableEntry(key: string, path: string): FileEntry | undefined {
    const entry = this.#files.get(path);
    if (entry && entry.errors.length > 0) throw new BadFileError(key, path, entry.errors);
    return entry;
  }

  async #io(path: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      throw new StoreError('IO', `cannot write ${path}: ${(e as Error).message}; check the directory's permissions and free space`);
    }
  }

  /** Before editing a file, make sure we saw its latest text, so a user's edit is never overwritten. */
  async #refresh(path: string): Promise<void> {
    let text: string | undefined;
    try {
      text = await readIfExists(path);
    } catch {
      text = undefined;
    }
    if (text !== this.#files.get(path)?.text) await this.#rescan();
  }

  /**
   * Re-reads only the named paths. A path that is not a config file (a directory, say) falls
   * back to a full rescan.
   */
  async #rescanPaths(paths: ReadonlySet<string>): Promise<void> {
    const changes = new Map<string, string | Error | null>();
    for (const path of paths) {
      const name = basename(path);
      // Our own temp files and lease say nothing new; a file under a hidden directory is never
      // config (the full scan skips those too).
      if (OWN_FILE.test(name) || relative(this.#dir, path).split(sep).slice(0, -1).some((part) => part.startsWith('.'))) continue;
      // Any other hidden name (a ConfigMap's `..data` symlink swap, say), a non-config file or a
      // directory (whatever its name) could change what the tree holds: read everything.
      if (name.startsWith('.') || !CONFIG_FILE_EXTENSIONS.some((ext) => name.endsWith(ext)) || (await isDirectory(path))) {
        return this.#rescan();
      }
      let text: string | Error | undefined;
      try {
        text = await readIfExists(path);
      } catch (e) {
        text = e as Error;
      }
      if (text === undefined) {
        if (this.#files.has(path)) changes.set(path, null);
        // A removed directory (named like a file) takes the files under it along.
        else if ([...this.#files.keys()].some((known) => known.startsWith(path + sep))) return this.#rescan();
      } else if (text instanceof Error || this.#files.get(path)?.text !== text) {
        changes.set(path, text);
      }
    }
    await this.#watcher?.sync();
    if (changes.size > 0) await this.#reconcile(changes);
  }

  async #rescan(): Promise<void> {
    await this.#watcher?.sync(); // before reading, so an edit made while we read is still noticed
    const listErrors: ConfigError[] = [];
    const paths = await expandPaths([this.#dir], listErrors);
    if (listErrors.length > 0) {
      // The directory itself is unreadable: keep everything rather than read it as empty.
      this.#setSourceErrors('scan', listErrors);
      return;
    }
    this.#setSourceErrors('scan', []);
    const changes = new Map<string, string | Error | null>();
    const present = new Set<string>();
    for (const path of paths) {
      let text: string | Error | undefined;
      try {
        text = await readIfExists(path);
      } catch (e) {
        text = e as Error;
      }
      if (text === undefined) continue; // removed since the listing: gone, below
      present.add(path);
      const entry = this.#files.get(path);
      if (text instanceof Error || entry === undefined || entry.text !== text) changes.set(path, text);
    }
    for (const path of this.#files.keys()) if (!present.has(path)) changes.set(path, null);
    if (changes.size > 0) await this.#reconcile(changes);
  }

  /** Updates the given files' entries (text, or null for removed), then publishes the differences. */
  async #reconcile(changes: ReadonlyMap<string, string | Error | null>): Promise<void> {
    for (const [path, text] of changes) {
      const prev = this.#files.get(path);
      if (text === null) {
        this.#files.delete(path);
      } else if (text instanceof Error) {
        const error = new ConfigError('IO', '', `cannot read: ${text.message}`, { file: path, line: 0, column: 0 }, 'check the file permissions; its last good resources are kept');
        this.#files.set(path, { text: undefined, errors: [error], resources: prev?.resources ?? [] });
      } else {
        const loaded = loadText(text, path);
        const keep = loaded.errors.length > 0 && prev !== undefined;
        this.#files.set(path, { text, errors: loaded.errors, resources: keep ? prev.resources : loaded.resources });
      }
    }
    await this.#publish();
  }

  /** Merges all files into one view (first by path wins), diffs it against the current view, commits events. */
  async #publish(): Promise<void> {
    const merged = new Map<string, { resource: Resource; file: string; origin: ResourceOrigin }>();
    const errors: ConfigError[] = [];
    for (const path of [...this.#files.keys()].sort()) {
      const entry = this.#files.get(path) as FileEntry;
      errors.push(...entry.errors);
      for (const { resource, origin } of entry.resources) {
        const key = resourceKey(resource);
        const first = merged.get(key);
        if (first) {
          errors.push(new ConfigError('DUPLICATE', 'metadata.name', `${key} is already defined in ${first.origin.file}:${first.origin.line}; this definition is ignored`,
            { file: origin.file, line: origin.line, column: 1 }, 'keep one definition: remove this one or give it another name'));
          continue;
        }
        merged.set(key, { resource: content(resource), file: path, origin });
      }
    }
    const changes: { key: string; type: WatchEventType; resource: Resource; file: string }[] = [];
    for (const [key, held] of this.#view) {
      if (!merged.has(key)) changes.push({ key, type: 'DELETED', resource: held.resource, file: held.file });
    }
    for (const [key, next] of merged) {
      const held = this.#view.get(key);
      if (!held) changes.push({ key, type: 'ADDED', resource: next.resource, file: next.file });
      else if (!sameContent(held.resource, next.resource)) changes.push({ key, type: 'MODIFIED', resource: next.resource, file: next.file });
      else held.file = next.file; // moved to another file unchanged: no event
    }
    changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (changes.length > 0) await this.#reserve(changes.length);
    for (const c of changes) {
      const event = this.#history.commit(c.type, c.resource);
      if (c.type === 'DELETED') this.#view.delete(c.key);
      else this.#view.set(c.key, { resource: event.resource, file: c.file });
    }
    this.#fileErrors = errors;
    this.#notifyErrors();
  }

  /** Persists the lease before `count` more revisions are handed out (see the top of this file). */
  async #reserve(count: number): Promise<void> {
    const needed = this.#history.revision + count;
    if (needed <= this.#lease) return;
    const lease = needed + this.#leaseSize;
    await this.#io(join(this.#dir, LEASE_FILE), () => writeAtomic(join(this.#dir, LEASE_FILE), `${lease}\n`));
    this.#lease = lease;
  }

  #startWatching(): void {
    // Every event, even for our own temp files, just schedules a rescan; reading back our own
    // writes finds the text we already hold and publishes nothing.
    this.#watcher = new DirectoryWatcher(this.#dir, (path) => this.#scheduleRescan(path), (e) => this.#watchFailed(e));
  }

  #watchFailed(e: Error): void {
    this.#setSourceErrors('watch', [new ConfigError('IO', '', `cannot watch the directory: ${e.message}`,
      { file: this.#dir, line: 0, column: 0 }, 'outside edits are not seen until rescan() or a restart')]);
  }

  // One timer at a time: changes arriving while it runs are read by the same rescan, and changes
  // during a rescan schedule the next one.
  #scheduleRescan(path?: string): void {
    if (this.#closed) return;
    // Remember which files the events named, so a change to one of a thousand files reads one.
    if (path === undefined) this.#dirty = 'all';
    else if (this.#dirty !== 'all') this.#dirty.add(path);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      const dirty = this.#dirty;
      this.#dirty = new Set();
      this.#serial(() => (dirty === 'all' ? this.#rescan() : this.#rescanPaths(dirty))).catch((e: unknown) => {
        if (e instanceof StoreClosedError) return;
        this.#setSourceErrors('scan', [new ConfigError('IO', '', `rescan failed: ${(e as Error).message}`, { file: this.#dir, line: 0, column: 0 })]);
      });
    }, this.#debounceMs);
  }

  #setSourceErrors(source: 'scan' | 'watch', errors: ConfigError[]): void {
    this.#sourceErrors[source] = errors;
    this.#notifyErrors();
  }

  #notifyErrors(): void {
    const next = [...this.#sourceErrors.watch, ...this.#sourceErrors.scan, ...this.#fileErrors];
    if (next.length === this.#errors.length && next.every((e, i) => e.message === this.#errors[i]?.message)) return;
    this.#errors = Object.freeze(next);
    for (const listener of this.#errorListeners) {
      try {
        listener(this.#errors);
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'ConfigStoreErrorListener');
      }
    }
  }
}

async function readLease(dir: string): Promise<number> {
  const path = join(dir, LEASE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new StoreError('IO', `cannot read ${path}: ${(e as Error).message}`);
  }
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new StoreError('IO', `${path} does not hold a revision number; restore it, or delete it to count revisions afresh (clients holding old resourceVersions may then match by accident)`);
  }
  return n;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // gone: handled as a removed file
  }
}
