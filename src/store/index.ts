// The config store's public face: the ConfigStore contract, its backends, and its typed errors.
import { FileStore, type FileStoreOptions } from './file.js';
import { MemoryStore } from './memory.js';
import type { ConfigStore } from './store.js';

export type { ApplyOptions, ConfigStore, DeleteOptions, ListFilter, Subscription, WatchEvent, WatchEventType, WatchHandler } from './store.js';
export { BadFileError, CompactedError, ConflictError, NotFoundError, StoreClosedError, StoreError, ValidationError, type StoreErrorCode } from './errors.js';
export { DEFAULT_HISTORY_LIMIT } from './history.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { DEFAULT_CONFIG_DIR, FileStore, type FileStoreOptions } from './file.js';

export type StoreSpec =
  | { backend: 'memory'; historyLimit?: number }
  | ({ backend: 'file' } & FileStoreOptions);

/** Opens the backend a spec names (the CLI's `--store` flag, a config file). */
export async function openStore(spec: StoreSpec): Promise<ConfigStore> {
  switch (spec.backend) {
    case 'memory':
      return new MemoryStore({ historyLimit: spec.historyLimit });
    case 'file':
      return FileStore.open(spec);
  }
}
