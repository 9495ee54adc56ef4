// Test helpers for the store: fixtures, an event collector that waits with promises (never
// with sleeps), and temp directories.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Resource } from '../../src/api/index.js';
import type { ConfigStore, WatchEvent } from '../../src/store/index.js';

/** A minimal valid Gateway; tests change resources through their labels. */
export function gateway(name: string, namespace = 'default', labels?: Record<string, string>): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] },
  };
}

export function policy(name: string, namespace = 'default', labels?: Record<string, string>): Resource {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec: {} };
}

/** A copy of a stored (frozen) resource with new labels and, optionally, a resourceVersion. */
export function relabel(r: Resource, labels: Record<string, string>, resourceVersion?: string): Resource {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return { ...r, metadata: { ...metadata, labels, ...(resourceVersion !== undefined ? { resourceVersion } : {}) } };
}

export interface Collector {
  readonly events: WatchEvent[];
  /** Resolves once at least `n` events have arrived. */
  until(n: number): Promise<WatchEvent[]>;
  close(): void;
}

export function collect(store: ConfigStore, fromRevision: number): Collector {
  const events: WatchEvent[] = [];
  const waiters: { n: number; resolve: (e: WatchEvent[]) => void }[] = [];
  const wake = () => {
    for (const w of [...waiters]) {
      if (events.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(events);
      }
    }
  };
  const sub = store.watch(fromRevision, (e) => {
    events.push(e);
    wake();
  });
  return {
    events,
    until: (n) => new Promise((resolve) => {
      waiters.push({ n, resolve });
      wake();
    }),
    close: () => sub.close(),
  };
}

/** A short description of events, for readable assertions. */
export function summary(events: readonly WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.resource.kind}/${e.resource.metadata.namespace}/${e.resource.metadata.name}`);
}

/**
 * Applies a sentinel change and waits for it: delivery is in order, so once the sentinel
 * arrives every event before it has too, and any duplicate would have shown up.
 */
export async function settle(store: ConfigStore, c: Collector): Promise<WatchEvent[]> {
  const sentinel = gateway(`sentinel-${store.revision()}`, 'sentinel-ns');
  const stored = await store.apply(sentinel);
  while (!c.events.some((e) => e.revision === Number(stored.metadata.resourceVersion))) await c.until(c.events.length + 1);
  return c.events.filter((e) => e.resource.metadata.namespace !== 'sentinel-ns');
}

export async function tempDir(prefix = 'isthmus-store-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes as a careful editor does (temp file + rename), so the store never reads half a file. */
export async function writeWhole(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.test-tmp`);
  await writeFile(temp, text);
  await rename(temp, path);
}
