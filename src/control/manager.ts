// The manager: watches the config store and the service registry, keeps one PushContext, and
// hands every new one to the ADS server with a predicate saying which proxies it affects.
// Data flows one way: store/registry → model → translate (generators) → xds.
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { resourceKey, type Resource } from '../api/index.js';
import { ServiceRegistry } from '../registry/index.js';
import type { ConfigStore, Subscription } from '../store/index.js';
import { affectsOnce, buildPushContext, changeForRegistry, changeForResource, FULL_CHANGE, mergeChanges, next, type ConfigChange, type PushContext } from './model/index.js';
import { meshSettings } from './mesh-settings.js';
import { cachedGenerators } from './translate/cache.js';
import { GENERATORS } from './translate/index.js';
import { rootCaSecretGenerator, type TrustBundleSource } from './translate/root-ca-secret.js';
import { combinedGenerator, credentialSecretGenerator } from './translate/credential-secrets.js';
import { AdsServer, TYPE_URL, type Generator, type TypeUrl } from './xds/index.js';

/** What a change that moved only endpoints can alter in a proxy's config (Istio's EDS-only push). */
const ENDPOINTS_ONLY: ReadonlySet<TypeUrl> = new Set([TYPE_URL.ENDPOINT]);
/**
 * What a change only to VirtualServices can alter: route tables, and listeners (proxyless
 * targets, gateway hosts, tcp routes). Clusters and endpoints come from services and
 * DestinationRules, so a thousand of them are not rebuilt for a weight change.
 */
const ROUTING_ONLY: ReadonlySet<TypeUrl> = new Set([TYPE_URL.LISTENER, TYPE_URL.ROUTE]);

const ROOT_CA_ONLY: ReadonlySet<TypeUrl> = new Set([TYPE_URL.SECRET]);

/** SDS: Gateway credentials from the store's Secrets, and ROOTCA when the manager runs the CA. */
function withSecrets(generators: ReadonlyMap<TypeUrl, Generator<PushContext>>, bundle: TrustBundleSource | undefined): ReadonlyMap<TypeUrl, Generator<PushContext>> {
  const parts = [credentialSecretGenerator(), ...(bundle ? [rootCaSecretGenerator(bundle)] : [])];
  return new Map([...generators, [TYPE_URL.SECRET, combinedGenerator(parts)]]);
}

function onlyVirtualServices(change: ConfigChange): boolean {
  return !change.mesh && !change.registry && change.kinds.size === 1 && change.kinds.has('VirtualService');
}

export interface ManagerOptions {
  store: ConfigStore;
  xdsHost?: string;
  /** 0 picks a free port. */
  xdsPort: number;
  debounceMs?: number;
  log?: (line: string) => void;
  /** Replaces the translation generators (tests use this to serve a hand-built resource). */
  generators?: ReadonlyMap<TypeUrl, Generator<PushContext>>;
  /** The CA's trust bundle, served over SDS as the Secret ROOTCA (absent: no SDS). */
  trustBundle?: TrustBundleSource;
}

export class Manager {
  readonly metrics = new MetricsRegistry();
  private readonly registry = new ServiceRegistry();
  private readonly ads: AdsServer<PushContext>;
  private readonly subscriptions: Subscription[] = [];
  private readonly stopRegistry: () => void;
  private readonly byKey = new Map<string, Resource>();
  private push: PushContext;
  /** Set while a store event is applied: registry changes wait to join its rebuild. */
  private heldRegistryChange: ConfigChange | undefined;
  private heldEndpointsOnly: boolean | undefined;
  xdsPort = 0;

  private constructor(private readonly opts: ManagerOptions) {
    collectDefaultMetrics({ register: this.metrics });
    const resources = opts.store.list();
    for (const r of resources) this.byKey.set(resourceKey(r), r);
    this.registry.setConfig(resources);
    // Versions count up from the start time (ms), so they do not repeat across restarts; `next`
    // adds one per change.
    this.push = buildPushContext(this.inputs(), String(Date.now()));
    this.ads = new AdsServer<PushContext>({
      generators: cachedGenerators(withSecrets(opts.generators ?? GENERATORS, opts.trustBundle)),
      debounceMs: opts.debounceMs,
      metrics: this.metrics,
      log: opts.log,
      // Workloads whose proxy says who it is (VM-style) join the registry while connected.
      onConnect: (proxy) => {
        if (proxy.registration) this.registry.registerWorkload(proxy);
      },
      onDisconnect: (proxy) => {
        if (proxy.registration) this.registry.unregisterWorkload(proxy.id);
      },
    });
    this.stopRegistry = this.registry.onChange((after, before) => {
      const change = changeForRegistry(before, after);
      // During a store event the event's own rebuild includes this change: one rebuild, not two.
      if (this.heldRegistryChange !== undefined) {
        this.heldRegistryChange = mergeChanges(this.heldRegistryChange, change);
        this.heldEndpointsOnly = (this.heldEndpointsOnly ?? true) && change.endpointsOnly === true;
      } else {
        this.rebuild(change, change.endpointsOnly ? ENDPOINTS_ONLY : undefined);
      }
    });
  }

  static async start(opts: ManagerOptions): Promise<Manager> {
    const m = new Manager(opts);
    m.ads.setSnapshot(m.push);
    m.xdsPort = await m.ads.listen(opts.xdsHost ?? '127.0.0.1', opts.xdsPort);
    m.subscriptions.push(opts.store.watch(opts.store.revision(), (event) => {
      const key = resourceKey(event.resource);
      const before = m.byKey.get(key);
      const after = event.type === 'DELETED' ? undefined : event.resource;
      if (after) m.byKey.set(key, after);
      else m.byKey.delete(key);
      if (event.resource.kind === 'Secret') {
        // A credential reaches only gateways in its namespace, and only as SDS.
        const ns = event.resource.metadata.namespace;
        m.push = next(m.push, m.inputs(), { kinds: new Set(['Secret']) });
        m.ads.setSnapshot(m.push, (proxy) => proxy.type === 'router' && proxy.namespace === ns, ROOT_CA_ONLY);
        return;
      }
      let change = event.resource.kind === 'MeshConfig' ? FULL_CHANGE : changeForResource(before, after, m.push.domainSuffix);
      let types: ReadonlySet<TypeUrl> | undefined = onlyVirtualServices(change) ? ROUTING_ONLY : undefined;
      if (event.resource.kind === 'ServiceEntry' || event.resource.kind === 'WorkloadEntry') {
        m.heldRegistryChange = { kinds: new Set() };
        m.heldEndpointsOnly = undefined;
        try {
          m.registry.setConfig([...m.byKey.values()]);
          change = mergeChanges(change, m.heldRegistryChange);
          // Entries decide only services and endpoints: if the services stayed, only EDS moved.
          if (m.heldEndpointsOnly === true) types = ENDPOINTS_ONLY;
        } finally {
          m.heldRegistryChange = undefined;
        }
      }
      m.rebuild(change, types);
    }, (err) => m.log(`config watch handler failed: ${(err as Error).message}`)));
    if (opts.trustBundle) {
      // A new bundle is a new snapshot for SDS only; every subscriber of ROOTCA gets it.
      const stop = opts.trustBundle.onBundleChange(() => {
        m.push = next(m.push, m.inputs(), { kinds: new Set() });
        m.ads.setSnapshot(m.push, () => true, ROOT_CA_ONLY);
      });
      m.subscriptions.push({ close: stop });
    }
    return m;
  }

  /** The snapshot proxies are being served from. */
  current(): PushContext {
    return this.push;
  }

  syncz() {
    return this.ads.syncz();
  }

  /** The proxies connected now, as their xDS node described them (the dashboard scrapes them). */
  connectedProxies() {
    return this.ads.connectedProxies();
  }

  /** Sends pending pushes now instead of after the debounce window (tests, shutdown). */
  flush(): void {
    this.ads.pushNow();
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.close();
    this.stopRegistry();
    this.registry.close();
    await this.ads.close();
  }

  private rebuild(change: ConfigChange, types?: ReadonlySet<TypeUrl>): void {
    const prev = this.push;
    const push = next(prev, this.inputs(), change);
    this.push = push;
    this.ads.setSnapshot(push, affectsOnce(change, push), types);
  }

  private inputs() {
    const resources = [...this.byKey.values()];
    return { resources, registry: this.registry.snapshot(), mesh: meshSettings(resources) };
  }

  private log(line: string): void {
    (this.opts.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }
}
