// The stateful registry: holds the current config resources and registered workloads, and
// hands out a new immutable snapshot after every change. Deregistration drains first: the
// workload's endpoints turn DRAINING (clients stop picking them) and are removed after a grace
// period, so in-flight requests are not cut when a VM leaves.
import type { Resource } from '../api/resource.js';
import type { ProxyNode } from '../control/model/proxy.js';
import { buildRegistrySnapshot } from './snapshot.js';
import { workloadFromProxy } from './workloads.js';
import type { EndpointHealth, RegistrySnapshot, WorkloadInstance } from './types.js';

export interface RegistryTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ServiceRegistryOptions {
  /** How long a deregistered workload stays DRAINING before it is removed (default 5000ms). */
  drainMs?: number;
  timers?: RegistryTimers;
  domainSuffix?: string;
}

export type RegistryListener = (next: RegistrySnapshot, prev: RegistrySnapshot) => void;

export class RegistryError extends Error {
  constructor(readonly code: 'NOT_REGISTERED' | 'NO_REGISTRATION', message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

const NODE_TIMERS: RegistryTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ServiceRegistry {
  #resources: readonly Resource[] = [];
  readonly #registered = new Map<string, WorkloadInstance>();
  readonly #drainTimers = new Map<string, unknown>();
  readonly #listeners = new Set<RegistryListener>();
  readonly #drainMs: number;
  readonly #timers: RegistryTimers;
  readonly #domainSuffix: string | undefined;
  #snapshot: RegistrySnapshot;

  constructor(opts: ServiceRegistryOptions = {}) {
    this.#drainMs = opts.drainMs ?? 5000;
    this.#timers = opts.timers ?? NODE_TIMERS;
    this.#domainSuffix = opts.domainSuffix;
    this.#snapshot = buildRegistrySnapshot({ resources: [], version: 0, domainSuffix: this.#domainSuffix });
  }

  snapshot(): RegistrySnapshot {
    return this.#snapshot;
  }

  /** Replaces the config resources (ServiceEntry/WorkloadEntry are read; others ignored). */
  setConfig(resources: readonly Resource[]): RegistrySnapshot {
    this.#resources = resources.filter((r) => r.kind === 'ServiceEntry' || r.kind === 'WorkloadEntry');
    return this.#rebuild();
  }

  /** Adds (or refreshes) a workload from its proxy's registration metadata. */
  registerWorkload(proxy: ProxyNode): RegistrySnapshot {
    const w = workloadFromProxy(proxy);
    if (!w) throw new RegistryError('NO_REGISTRATION', `proxy ${proxy.id} sent no registration: set node metadata ISTHMUS_SERVICE and ISTHMUS_PORTS`);
    this.#cancelDrain(proxy.id);
    this.#registered.set(proxy.id, w);
    return this.#rebuild();
  }

  /** Marks the workload DRAINING now and removes it after the drain period. */
  unregisterWorkload(id: string): RegistrySnapshot {
    const w = this.#registered.get(id);
    if (!w) throw new RegistryError('NOT_REGISTERED', `workload ${id} is not registered`);
    if (this.#drainTimers.has(id)) return this.#snapshot;
    this.#registered.set(id, Object.freeze({ ...w, health: 'DRAINING' }));
    this.#drainTimers.set(id, this.#timers.setTimeout(() => this.removeWorkload(id), this.#drainMs));
    return this.#rebuild();
  }

  /** Removes a registered workload at once (no drain). Unknown ids are ignored. */
  removeWorkload(id: string): RegistrySnapshot {
    this.#cancelDrain(id);
    if (!this.#registered.delete(id)) return this.#snapshot;
    return this.#rebuild();
  }

  /** Health from a health check; a DRAINING workload stays draining. */
  setWorkloadHealth(id: string, health: Exclude<EndpointHealth, 'DRAINING'>): RegistrySnapshot {
    const w = this.#registered.get(id);
    if (!w) throw new RegistryError('NOT_REGISTERED', `workload ${id} is not registered`);
    if (w.health === 'DRAINING' || w.health === health) return this.#snapshot;
    this.#registered.set(id, Object.freeze({ ...w, health }));
    return this.#rebuild();
  }

  /** Called after every change with the new and previous snapshots; returns an unsubscribe. */
  onChange(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Cancels pending drain timers (for shutdown). */
  close(): void {
    for (const id of [...this.#drainTimers.keys()]) this.#cancelDrain(id);
  }

  #cancelDrain(id: string): void {
    const h = this.#drainTimers.get(id);
    if (h !== undefined) this.#timers.clearTimeout(h);
    this.#drainTimers.delete(id);
  }

  #rebuild(): RegistrySnapshot {
    const prev = this.#snapshot;
    this.#snapshot = buildRegistrySnapshot({
      resources: this.#resources,
      registered: [...this.#registered.values()],
      version: prev.version + 1,
      domainSuffix: this.#domainSuffix,
    });
    for (const l of this.#listeners) l(this.#snapshot, prev);
    return this.#snapshot;
  }
}
