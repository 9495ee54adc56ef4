// The proxy's xDS client: one ADS stream to the control plane, state of the world or incremental
// (`mode`), subscribing as Envoy does — every cluster (CDS wildcard), then the endpoints of its
// EDS clusters, every listener (LDS wildcard), then the route configurations those listeners
// name. Each response is validated whole: a good one is ACKed and published, a bad one NACKed
// with every reason while the last good config of that type stays in force. A failed stream is
// retried with jittered exponential backoff, and the config held keeps being served meanwhile.
// The wire protocol lives in sotw-stream.ts and delta-stream.ts; this file holds what outlives
// a stream and follows references from one type to the next.
import * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '../../control/xds/resource.js';
import type { AdsStream, AnyState, StreamHooks, XdsNode } from './ads-stream.js';
import { Backoff, DEFAULT_BACKOFF, REAL_TIMERS, type BackoffOptions, type Timers } from './backoff.js';
import { decodeCluster, type ClusterConfig } from './cluster.js';
import { DeltaStream } from './delta-stream.js';
import { decodeEndpoints, type EndpointAssignment } from './endpoint.js';
import { decodeListener, type ListenerConfig } from './listener.js';
import { decodeRoute, type RouteConfig } from './route.js';
import { decodeSecret, type SecretConfig } from './secret.js';
import { clusterCredentialNames, listenerCredentialNames } from './secret-refs.js';
import { decoding, type AnyResource, type Decoded } from './fields.js';
import { SotwStream } from './sotw-stream.js';
import { TypeState } from './type-state.js';
import { InvalidXdsModeError, XDS_MODES, type XdsMode } from './mode.js';

export type { XdsNode } from './ads-stream.js';
export { InvalidXdsModeError, XDS_MODES, type XdsMode } from './mode.js';

export interface XdsSnapshot {
  listeners: ReadonlyMap<string, ListenerConfig>;
  routes: ReadonlyMap<string, RouteConfig>;
  clusters: ReadonlyMap<string, ClusterConfig>;
  /** EDS assignments, by the cluster's eds service name. */
  endpoints: ReadonlyMap<string, EndpointAssignment>;
  /** SDS secrets: the names in XdsClientOptions.secretNames and the credentials listeners and clusters name. */
  secrets?: ReadonlyMap<string, SecretConfig>;
  /** The last ACKed version of each type ('' before the first); system_version_info in delta mode. */
  versions: { listeners: string; routes: string; clusters: string; endpoints: string; secrets?: string };
}

export interface XdsClientOptions {
  /** The control plane, `host:port`. */
  server: string;
  node: XdsNode;
  /** State of the world (the default) or incremental xDS. */
  mode?: XdsMode;
  /** Called after every accepted response, with the whole current config. */
  onUpdate?: (snapshot: XdsSnapshot) => void;
  log?: (line: string) => void;
  backoff?: Partial<BackoffOptions>;
  timers?: Timers;
  /** Insecure when absent. */
  credentials?: grpc.ChannelCredentials;
  /**
   * Extra checks the proxy runs on each decoded listener (building its filter chains); throwing
   * rejects the listener, so the response is NACKed with the message.
   */
  checkListener?: (listener: ListenerConfig) => void;
  /** The same for clusters (load balancer, outlier detection and circuit breaker settings). */
  checkCluster?: (cluster: ClusterConfig) => void;
  /** SDS secrets to subscribe to over the same stream (a proxy with a workload identity: ROOTCA). */
  secretNames?: readonly string[];
}

export class XdsClient {
  private readonly clusters = new TypeState(TYPE_URL.CLUSTER, 'Cluster', (any: AnyResource) => this.decodeAndCheckCluster(any), true);
  private readonly endpoints = new TypeState(TYPE_URL.ENDPOINT, 'ClusterLoadAssignment', decodeEndpoints, false);
  private readonly listeners = new TypeState(TYPE_URL.LISTENER, 'Listener', (any: AnyResource) => this.decodeAndCheckListener(any), true);
  private readonly routes = new TypeState(TYPE_URL.ROUTE, 'RouteConfiguration', decodeRoute, false);
  private readonly secrets = new TypeState(TYPE_URL.SECRET, 'Secret', decodeSecret, false);
  /**
   * Envoy's order: clusters and their endpoints before the listeners and routes that use them;
   * secrets first, as TLS contexts of all of them may name one.
   */
  private readonly states: readonly AnyState[];
  private readonly mode: XdsMode;
  private readonly grpcClient: grpc.Client;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly log: (line: string) => void;
  private stream: AdsStream | undefined;
  private retryTimer: unknown;
  private closed = false;
  private current: XdsSnapshot;

  constructor(private readonly opts: XdsClientOptions) {
    if (opts.secretNames?.length) this.secrets.resubscribe([...opts.secretNames]);
    // Secrets are always a state, even with no names yet: a listener may name a credential later.
    this.states = [this.secrets, this.clusters, this.endpoints, this.listeners, this.routes];
    const mode: unknown = opts.mode ?? 'sotw';
    if (!XDS_MODES.includes(mode as XdsMode)) throw new InvalidXdsModeError(mode);
    this.mode = mode as XdsMode;
    const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.backoff = new Backoff(backoff);
    this.timers = opts.timers ?? REAL_TIMERS;
    this.log = opts.log ?? (() => {});
    // The channel's own reconnect backoff (1 s at first by default) would otherwise delay a
    // stream that ours has already decided to retry.
    this.grpcClient = new grpc.Client(opts.server, opts.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
      'grpc.max_reconnect_backoff_ms': backoff.maxMs,
    });
    this.current = this.buildSnapshot();
  }

  private decodeAndCheckListener(any: AnyResource): Decoded<ListenerConfig> {
    const decoded = decodeListener(any);
    const check = this.opts.checkListener;
    if (!check || 'error' in decoded) return decoded;
    return decoding('Listener', decoded.name, () => {
      check(decoded.value);
      return decoded.value;
    });
  }

  private decodeAndCheckCluster(any: AnyResource): Decoded<ClusterConfig> {
    const decoded = decodeCluster(any);
    const check = this.opts.checkCluster;
    if (!check || 'error' in decoded) return decoded;
    return decoding('Cluster', decoded.name, () => {
      check(decoded.value);
      return decoded.value;
    });
  }

  /** Opens the stream. The first config arrives through onUpdate. */
  start(): void {
    if (this.closed || this.stream || this.retryTimer !== undefined) return;
    this.connect();
  }

  /** The last good config. */
  snapshot(): XdsSnapshot {
    return this.current;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stream?.cancel();
    this.stream = undefined;
    this.grpcClient.close();
  }

  private connect(): void {
    this.retryTimer = undefined;
    const hooks: StreamHooks = {
      responded: () => this.backoff.reset(),
      accepted: (state) => this.onAccepted(state),
      failed: (reason) => {
        if (this.closed || this.stream !== stream) return;
        this.stream = undefined;
        const delay = this.backoff.next();
        this.log(`xds-client: ${this.mode} stream to ${this.opts.server} ended (${reason}); retrying in ${Math.round(delay)} ms, serving the last good config`);
        this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
      },
      log: this.log,
    };
    const ctx = { client: this.grpcClient, node: this.opts.node, states: this.states, hooks };
    // The hooks run only after the constructor returned (stream events are asynchronous).
    const stream: AdsStream = this.mode === 'delta' ? new DeltaStream(ctx) : new SotwStream(ctx);
    this.stream = stream;
  }

  /** A response was applied: follow its references, as Envoy does, then publish. */
  private onAccepted(state: AnyState): void {
    // Clusters name their endpoints, listeners their route configurations; both may name
    // credentials (SDS secrets `kubernetes://…`).
    if (state === this.clusters) {
      const names = [...this.clusters.resources.values()].flatMap((c) => (c.edsServiceName === undefined ? [] : [c.edsServiceName]));
      this.follow(this.endpoints, names);
    } else if (state === this.listeners) {
      this.follow(this.routes, [...this.listeners.resources.values()].flatMap((l) => l.routeNames));
    }
    if (state === this.clusters || state === this.listeners) this.followCredentials();
    this.current = this.buildSnapshot();
    try {
      this.opts.onUpdate?.(this.current);
    } catch (err) {
      this.log(`xds-client: onUpdate failed: ${(err as Error).message}`);
    }
  }

  private followCredentials(): void {
    const names = new Set(this.opts.secretNames ?? []);
    for (const l of this.listeners.resources.values()) for (const n of listenerCredentialNames(l.raw)) names.add(n);
    for (const c of this.clusters.resources.values()) for (const n of clusterCredentialNames(c.raw)) names.add(n);
    this.follow(this.secrets, [...names]);
  }

  private follow(state: AnyState, names: string[]): void {
    const change = state.resubscribe(names);
    if (change) this.stream?.resubscribed(state, change);
  }

  private buildSnapshot(): XdsSnapshot {
    const snapshot: XdsSnapshot = {
      listeners: this.listeners.resources,
      routes: this.routes.resources,
      clusters: this.clusters.resources,
      endpoints: this.endpoints.resources,
      versions: { listeners: this.listeners.version, routes: this.routes.version, clusters: this.clusters.version, endpoints: this.endpoints.version },
    };
    if (this.opts.secretNames?.length || this.secrets.names?.length || this.secrets.resources.size > 0) {
      snapshot.secrets = this.secrets.resources;
      snapshot.versions.secrets = this.secrets.version;
    }
    return snapshot;
  }
}
