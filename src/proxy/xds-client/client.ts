// The proxy's xDS client: one state-of-the-world ADS stream to the control plane, subscribing as
// Envoy does — every cluster (CDS wildcard), then the endpoints of its EDS clusters, every
// listener (LDS wildcard), then the route configurations those listeners name. Each response is
// validated whole: a good one is ACKed and published, a bad one NACKed with every reason while
// the last good config of that type stays in force. A failed stream is retried with jittered
// exponential backoff, and the config held keeps being served meanwhile.
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, type DiscoveryRequest, type DiscoveryResponse } from '../../control/xds/ads-service.js';
import { structProto } from '../../control/xds/protos.js';
import { TYPE_URL } from '../../control/xds/resource.js';
import type { JsonValue } from '../../control/xds/struct.js';
import { Backoff, DEFAULT_BACKOFF, REAL_TIMERS, type BackoffOptions, type Timers } from './backoff.js';
import { decodeCluster, type ClusterConfig } from './cluster.js';
import { decodeEndpoints, type EndpointAssignment } from './endpoint.js';
import { decodeListener, type ListenerConfig } from './listener.js';
import { decodeRoute, type RouteConfig } from './route.js';
import { decoding, type AnyResource, type Decoded } from './fields.js';
import { TypeState } from './type-state.js';

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
const INVALID_ARGUMENT = 3;

export interface XdsNode {
  id: string;
  cluster?: string;
  metadata?: Record<string, JsonValue>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

export interface XdsSnapshot {
  listeners: ReadonlyMap<string, ListenerConfig>;
  routes: ReadonlyMap<string, RouteConfig>;
  clusters: ReadonlyMap<string, ClusterConfig>;
  /** EDS assignments, by the cluster's eds service name. */
  endpoints: ReadonlyMap<string, EndpointAssignment>;
  /** The last ACKed version of each type ('' before the first). */
  versions: { listeners: string; routes: string; clusters: string; endpoints: string };
}

export interface XdsClientOptions {
  /** The control plane, `host:port`. */
  server: string;
  node: XdsNode;
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
}

type AnyState = TypeState<ListenerConfig> | TypeState<RouteConfig> | TypeState<ClusterConfig> | TypeState<EndpointAssignment>;

export class XdsClient {
  private readonly clusters = new TypeState(TYPE_URL.CLUSTER, 'Cluster', (any: AnyResource) => this.decodeAndCheckCluster(any), true);
  private readonly endpoints = new TypeState(TYPE_URL.ENDPOINT, 'ClusterLoadAssignment', decodeEndpoints, false);
  private readonly listeners = new TypeState(TYPE_URL.LISTENER, 'Listener', (any: AnyResource) => this.decodeAndCheckListener(any), true);
  private readonly routes = new TypeState(TYPE_URL.ROUTE, 'RouteConfiguration', decodeRoute, false);
  private readonly byType = new Map<string, AnyState>([this.clusters, this.endpoints, this.listeners, this.routes].map((s) => [s.typeUrl, s]));
  private readonly grpcClient: grpc.Client;
  private readonly backoff: Backoff;
  private readonly timers: Timers;
  private readonly log: (line: string) => void;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  /** Counts streams, so events of a stream already given up on are ignored. */
  private streamId = 0;
  private nodeSent = false;
  private retryTimer: unknown;
  private closed = false;
  private current: XdsSnapshot;

  constructor(private readonly opts: XdsClientOptions) {
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
    if (this.closed) return;
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
    this.streamId++;
    this.call?.cancel();
    this.call = undefined;
    this.grpcClient.close();
  }

  private connect(): void {
    this.retryTimer = undefined;
    const id = ++this.streamId;
    const method = adsServiceDefinition().StreamAggregatedResources as grpc.MethodDefinition<DiscoveryRequest, DiscoveryResponse>;
    const call = this.grpcClient.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    this.call = call;
    this.nodeSent = false;
    call.on('data', (response: DiscoveryResponse) => {
      if (id === this.streamId) this.onResponse(response);
    });
    const failed = (reason: string) => {
      if (id !== this.streamId || this.closed) return;
      this.streamId++;
      this.call = undefined;
      call.cancel();
      const delay = this.backoff.next();
      this.log(`xds-client: stream to ${this.opts.server} ended (${reason}); retrying in ${Math.round(delay)} ms, serving the last good config`);
      this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
    };
    call.on('error', (err: grpc.ServiceError) => failed(err.details || err.message));
    call.on('end', () => failed('closed by the server'));

    // A new stream knows nothing of the old one's nonces; ask again for everything held.
    for (const state of this.byType.values()) {
      state.nonce = '';
      state.requested = false;
    }
    this.request(this.clusters);
    if (this.endpoints.names?.length) this.request(this.endpoints);
    this.request(this.listeners);
    if (this.routes.names?.length) this.request(this.routes);
  }

  private request(state: AnyState, errorDetail?: string): void {
    const call = this.call;
    if (!call) return;
    const request: DiscoveryRequest = {
      version_info: state.version,
      node: null,
      resource_names: state.names ?? [],
      type_url: state.typeUrl,
      response_nonce: state.nonce,
      error_detail: errorDetail === undefined ? null : { code: INVALID_ARGUMENT, message: errorDetail },
    };
    // Envoy sends its node on the first request of a stream only.
    if (!this.nodeSent) {
      const { metadata, ...rest } = this.opts.node;
      request.node = { user_agent_name: 'isthmus-proxy', ...rest, metadata: structProto(metadata ?? {}) } as DiscoveryRequest['node'];
      this.nodeSent = true;
    }
    state.requested = true;
    call.write(request);
  }

  private onResponse(response: DiscoveryResponse): void {
    this.backoff.reset();
    const state = this.byType.get(response.type_url);
    if (!state) {
      this.log(`xds-client: ignoring a response of unrequested type ${response.type_url}`);
      return;
    }
    state.nonce = response.nonce;
    const decoded = (state as TypeState<unknown>).decodeAll(response.resources);
    if ('errors' in decoded) {
      const detail = decoded.errors.join('; ');
      this.log(`xds-client: rejected ${state.label} version ${response.version_info}: ${detail}`);
      this.request(state, detail);
      return;
    }
    (state as TypeState<unknown>).apply(response.version_info, decoded.accepted);
    this.request(state);
    // Follow the new config's references, as Envoy does: clusters name their endpoints,
    // listeners their route configurations.
    if (state === this.clusters) {
      const names = [...this.clusters.resources.values()].flatMap((c) => (c.edsServiceName === undefined ? [] : [c.edsServiceName]));
      if (this.endpoints.resubscribe(names) || (!this.endpoints.requested && names.length > 0)) this.request(this.endpoints);
    } else if (state === this.listeners) {
      const names = [...this.listeners.resources.values()].flatMap((l) => l.routeNames);
      if (this.routes.resubscribe(names) || (!this.routes.requested && names.length > 0)) this.request(this.routes);
    }
    this.current = this.buildSnapshot();
    try {
      this.opts.onUpdate?.(this.current);
    } catch (err) {
      this.log(`xds-client: onUpdate failed: ${(err as Error).message}`);
    }
  }

  private buildSnapshot(): XdsSnapshot {
    return {
      listeners: this.listeners.resources,
      routes: this.routes.resources,
      clusters: this.clusters.resources,
      endpoints: this.endpoints.resources,
      versions: { listeners: this.listeners.version, routes: this.routes.version, clusters: this.clusters.version, endpoints: this.endpoints.version },
    };
  }
}
