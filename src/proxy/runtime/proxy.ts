// The proxy process's core: one xDS client feeding the cluster manager, the route tables and the
// listener manager, in Envoy's order (clusters, then endpoints, then listeners and routes), with
// updates applied one at a time. Readiness means the first config is in, every listener it
// asks for is bound and — with a workload identity — the first certificate has arrived. With an
// identity the stream also subscribes to the mesh trust bundle (SDS secret ROOTCA).
import { httpFilterFactories } from '../http/filter-registry.js';
import { NO_OBSERVER, type ProxyObserver } from '../http/observer.js';
import type { Fields } from '../http/stream.js';
import { ListenerBuilder } from '../listener/build.js';
import { ListenerManager } from '../listener/listener-manager.js';
import { ClusterManager } from '../upstream/cluster-manager.js';
import { checkCluster } from '../upstream/check-cluster.js';
import { ROOT_SECRET } from '../identity/secret-store.js';
import { setCredentialSecrets } from '../upstream/sds-credentials.js';
import { XdsClient, type ListenerConfig, type XdsMode, type XdsNode, type XdsSnapshot } from '../xds-client/index.js';

/** What the proxy needs from its workload identity agent (../identity/agent.ts). */
export interface ProxyIdentityAgent {
  readonly isReady: boolean;
  ready(): Promise<void>;
  /** The trust bundle the control plane sent as ROOTCA. */
  acceptRootBundle(pem: string): void;
}

const EMPTY_SNAPSHOT: XdsSnapshot = {
  listeners: new Map(), routes: new Map(), clusters: new Map(), endpoints: new Map(),
  versions: { listeners: '', routes: '', clusters: '', endpoints: '' },
};

export interface ProxyOptions {
  /**
   * Control plane `host:port`, for a proxy with its own xDS stream. Without it the config is
   * handed in through applySnapshot (a worker fed by its primary).
   */
  xds?: string;
  /** The xDS protocol variant (state of the world unless told). */
  xdsMode?: XdsMode;
  node: XdsNode;
  gateway?: boolean;
  observer?: ProxyObserver;
  log?: (line: string) => void;
  /** The workload identity agent (`--ca-address`); its store must be installed (installMeshSecrets). */
  identity?: ProxyIdentityAgent;
}

export class Proxy {
  readonly clusters = new ClusterManager();
  readonly listeners: ListenerManager;
  readonly xds: XdsClient | undefined;
  private last: XdsSnapshot | undefined;
  private routes: ReadonlyMap<string, { raw: Fields }> = new Map();
  private queue: Promise<void> = Promise.resolve();
  private configured = false;
  private readyWaiters: (() => void)[] = [];
  private readonly log: (line: string) => void;

  constructor(readonly opts: ProxyOptions) {
    this.log = opts.log ?? (() => {});
    const observer = opts.observer ?? NO_OBSERVER;
    const factories = httpFilterFactories(this.clusters, observer);
    const builder = new ListenerBuilder(factories, {
      routeTable: (name) => this.routes.get(name)?.raw,
      clusters: this.clusters,
      observer,
      log: this.log,
    }, opts.gateway === true);
    this.listeners = new ListenerManager(builder, this.clusters, observer, this.log, () => this.checkReady());
    this.checkListener = (l) => void builder.build(l);
    this.xds = opts.xds === undefined ? undefined : new XdsClient({
      server: opts.xds,
      mode: opts.xdsMode,
      node: opts.node,
      log: this.log,
      checkListener: this.checkListener,
      checkCluster,
      ...(opts.identity ? { secretNames: [ROOT_SECRET] } : {}),
      onUpdate: (snapshot) => this.applySnapshot(snapshot),
    });
    void opts.identity?.ready().then(() => this.checkReady());
  }

  /** Builds a listener's chains, throwing when the proxy could not run it (for NACKs). */
  readonly checkListener: (l: ListenerConfig) => void;

  start(): void {
    this.xds?.start();
  }

  /** Resolves once the first full config is applied and its listeners are bound. */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get isReady(): boolean {
    return this.configured && this.listeners.settled && (this.opts.identity?.isReady ?? true);
  }

  get snapshot(): XdsSnapshot {
    return this.xds?.snapshot() ?? this.last ?? EMPTY_SNAPSHOT;
  }

  /** Applies a config (updates run one at a time, in arrival order). */
  applySnapshot(snapshot: XdsSnapshot): void {
    this.last = snapshot;
    this.queue = this.queue.then(() => this.apply(snapshot)).catch((err) => this.log(`proxy: applying config failed: ${(err as Error).stack}`));
  }

  private async apply(snapshot: XdsSnapshot): Promise<void> {
    const root = snapshot.secrets?.get(ROOT_SECRET);
    if (root?.trustedCaPem) this.opts.identity?.acceptRootBundle(root.trustedCaPem);
    // Gateway credentials first: the clusters and listeners below may name them.
    setCredentialSecrets(snapshot.secrets);
    this.clusters.apply(snapshot);
    this.routes = snapshot.routes;
    // Serve only once CDS and LDS have both answered (an empty answer counts).
    if (snapshot.versions.clusters !== '' && snapshot.versions.listeners !== '') {
      await this.listeners.apply(snapshot);
      this.configured = true;
    }
    this.checkReady();
  }

  private checkReady(): void {
    if (!this.isReady) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /** Graceful: stop accepting, let in-flight requests finish (up to `timeoutMs`), then close. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.listeners.drain(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    if (timer) clearTimeout(timer);
    this.close();
  }

  close(): void {
    this.xds?.close();
    this.listeners.close();
    this.clusters.close();
  }
}
