// Keeps the bound listeners in step with LDS. A new listener is bound only once it is warm —
// its route tables and the credentials (SDS secrets) its TLS chains name have arrived, and every
// cluster they name is known and has its endpoints —
// so the first request on it never meets a missing cluster (Envoy's warming). A listener that
// stays cold longer than Envoy's initial fetch timeout (15 s) is bound anyway.
import type { ProxyObserver } from '../http/observer.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import { listenerCredentialNames, type ListenerConfig, type XdsSnapshot } from '../xds-client/index.js';
import { ActiveListener } from './active-listener.js';
import type { BuiltListener, ListenerBuilder } from './build.js';

const WARMING_TIMEOUT_MS = 15_000;

export interface ListenerStatus {
  name: string;
  address: string;
  state: 'active' | 'warming' | 'failed' | 'not bound';
  /** Why a listener is warming or failed. */
  detail?: string;
  port?: number;
}

export class ListenerManager {
  private readonly active = new Map<string, ActiveListener>();
  private readonly status = new Map<string, ListenerStatus>();
  private readonly warmingSince = new Map<string, number>();
  private warmTimer: NodeJS.Timeout | undefined;
  private last: XdsSnapshot | undefined;
  private closed = false;

  constructor(
    private readonly builder: ListenerBuilder,
    private readonly clusters: ClusterManager,
    private readonly observer: ProxyObserver,
    private readonly log: (line: string) => void,
    /** Called after each apply settles, e.g. to tell readiness. */
    private readonly onSettled: () => void = () => {},
  ) {}

  listeners(): ListenerStatus[] {
    return [...this.status.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ActiveListener | undefined {
    return this.active.get(name);
  }

  /** Whether every listener the config asks for is bound (or failed for good). */
  get settled(): boolean {
    return [...this.status.values()].every((s) => s.state !== 'warming');
  }

  /** Applies run one at a time (xDS updates and the warming re-check both come here). */
  private applying: Promise<void> = Promise.resolve();

  apply(snapshot: XdsSnapshot): Promise<void> {
    this.applying = this.applying.then(() => this.applyNow(snapshot), () => this.applyNow(snapshot));
    return this.applying;
  }

  private async applyNow(snapshot: XdsSnapshot): Promise<void> {
    if (this.closed) return;
    this.last = snapshot;
    const wanted = new Set<string>();
    for (const [name, config] of snapshot.listeners) {
      if (config.apiListener || !config.address) continue;
      wanted.add(name);
      await this.applyOne(name, config, snapshot);
    }
    for (const [name, listener] of this.active) {
      if (wanted.has(name)) continue;
      this.active.delete(name);
      this.log(`listener ${name}: removed; draining`);
      void listener.stopAccepting();
    }
    for (const name of this.status.keys()) if (!wanted.has(name)) this.status.delete(name);
    // A listener LDS dropped while it was warming stops being waited for.
    for (const name of this.warmingSince.keys()) if (!wanted.has(name)) this.warmingSince.delete(name);
    this.scheduleWarmingCheck();
    this.onSettled();
  }

  private async applyOne(name: string, config: ListenerConfig, snapshot: XdsSnapshot): Promise<void> {
    const built = this.builder.build(config);
    const address = `${config.address!.host}:${config.address!.port}`;
    if (!built.bind) {
      this.status.set(name, { name, address, state: 'not bound', detail: 'bind_to_port is false' });
      return;
    }
    const existing = this.active.get(name);
    if (existing && existing.address.host === config.address!.host && existing.address.port === config.address!.port) {
      existing.update(built);
      return;
    }
    const cold = this.coldReason(config, built, snapshot);
    if (cold) {
      const since = this.warmingSince.get(name) ?? Date.now();
      this.warmingSince.set(name, since);
      if (Date.now() - since < WARMING_TIMEOUT_MS) {
        this.status.set(name, { name, address, state: 'warming', detail: cold });
        return;
      }
      this.log(`listener ${name}: still warming after ${WARMING_TIMEOUT_MS} ms (${cold}); binding anyway`);
    }
    this.warmingSince.delete(name);
    if (existing) {
      this.active.delete(name);
      void existing.stopAccepting();
    }
    const listener = new ActiveListener(name, config.address!, built, this.clusters, this.observer, this.log);
    try {
      await listener.listen();
    } catch (err) {
      this.status.set(name, { name, address, state: 'failed', detail: (err as Error).message });
      this.log(`listener ${name}: cannot bind ${address}: ${(err as Error).message}`);
      return;
    }
    this.active.set(name, listener);
    this.status.set(name, { name, address, state: 'active', port: listener.port });
  }

  /** Why the listener cannot serve yet, or undefined when it is warm. */
  private coldReason(config: ListenerConfig, built: BuiltListener, snapshot: XdsSnapshot): string | undefined {
    for (const name of listenerCredentialNames(config.raw)) {
      if (!snapshot.secrets?.has(name)) return `waiting for SDS secret ${name}`;
    }
    const clusterNames = new Set(built.tcpClusters);
    for (const routeName of config.routeNames) {
      const route = snapshot.routes.get(routeName);
      if (!route) return `waiting for route configuration ${routeName}`;
      for (const c of route.clusters) clusterNames.add(c);
    }
    for (const name of clusterNames) {
      const cluster = this.clusters.get(name);
      if (!cluster) return `waiting for cluster ${name}`;
      if (!cluster.warm) return `waiting for the endpoints of cluster ${name}`;
    }
    return undefined;
  }

  private scheduleWarmingCheck(): void {
    if (this.warmTimer || this.warmingSince.size === 0) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      if (this.last) void this.apply(this.last);
    }, WARMING_TIMEOUT_MS + 10);
    this.warmTimer.unref();
  }

  /** Stops accepting everywhere and resolves when in-flight connections have finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.active.values()].map((l) => l.stopAccepting()));
  }

  close(): void {
    this.closed = true;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    for (const l of this.active.values()) l.close();
    this.active.clear();
  }
}
