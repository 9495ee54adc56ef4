// The control plane's xDS endpoint: envoy.service.discovery.v3.AggregatedDiscoveryService with
// both protocol variants (state of the world and incremental) on one gRPC server. It holds the
// latest snapshot, asks generators for each (proxy, type) a change affects, and sends only what
// differs from what each stream already holds.

import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { ProxyNode } from '../model/proxy.js';
import { adsServiceDefinition, type DeltaDiscoveryRequest, type DiscoveryRequest } from './ads-service.js';
import { Connection, type SyncStatus, type Variant } from './connection.js';
import { Debouncer, type Affects, type PendingPush } from './debounce.js';
import { InvalidNodeError } from './errors.js';
import type { Generator } from './generator.js';
import { AdsMetrics, shortTypeName } from './metrics.js';
import { parseNode } from './node.js';
import { TYPE_URL, type TypeUrl } from './resource.js';
import { deltaResponse, sotwResponse, type ResponseInputs } from './responses.js';
import { systemClock, systemTimers, type Clock, type Timers } from './timers.js';
import type { TypeWatch } from './watch-state.js';

export interface AdsServerOptions<S> {
  generators: ReadonlyMap<TypeUrl, Generator<S>>;
  /** Updates within this window are pushed together (default 100 ms; 0 pushes at once). */
  debounceMs?: number;
  clock?: Clock;
  timers?: Timers;
  /** Where the isthmus_xds_* metrics are registered (default: a private registry). */
  metrics?: Registry;
  log?: (line: string) => void;
  onConnect?(proxy: ProxyNode): void;
  onDisconnect?(proxy: ProxyNode): void;
  /** `control_plane.identifier` in every response. */
  identifier?: string;
  /** A response not taken by its stream within this time ends the stream (default 30 s). */
  sendTimeoutMs?: number;
}

/**
 * Make before break, as Envoy's xDS docs ask: secrets and clusters (with their endpoints) before
 * the listeners and routes that refer to them.
 */
const PUSH_ORDER: readonly string[] = [TYPE_URL.SECRET, TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE];

function pushOrder(typeUrls: Iterable<string>): string[] {
  const rank = (t: string): number => {
    const i = PUSH_ORDER.indexOf(t);
    return i === -1 ? PUSH_ORDER.length : i;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b));
}

/**
 * Responses written but not yet taken by their stream, across all streams, and per stream. Work
 * beyond them waits in the backlog (Istio's push throttle plays the same part); a stream that
 * stops reading holds only its own few slots, and loses them when its send timeout expires.
 */
const MAX_RESPONSES_IN_FLIGHT = 32;
const MAX_RESPONSES_IN_FLIGHT_PER_STREAM = 4;
/** A response not taken by its stream in this time ends the stream; the client reconnects. */
const SEND_TIMEOUT_MS = 30_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AdsCall = grpc.ServerDuplexStream<any, any>;

export class AdsServer<S extends { version: string }> {
  private server: grpc.Server | undefined;
  private readonly connections = new Set<Connection>();
  private snapshot: S | undefined;
  private readonly debouncer: Debouncer<S>;
  private readonly metrics: AdsMetrics;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly identifier: string;
  private nonces = 0;
  private streams = 0;
  private inFlight = 0;
  private readonly backlog: Connection[] = [];

  constructor(private readonly options: AdsServerOptions<S>) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.identifier = options.identifier ?? 'isthmus';
    this.metrics = new AdsMetrics(options.metrics);
    this.debouncer = new Debouncer<S>(options.debounceMs ?? 100, options.timers ?? systemTimers, this.clock, (push) => this.push(push));
  }

  /** Starts serving; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    if (this.server) return Promise.reject(new Error('AdsServer.listen called twice'));
    const server = new grpc.Server();
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: AdsCall) => this.serve('sotw', call),
      DeltaAggregatedResources: (call: AdsCall) => this.serve('delta', call),
    });
    this.server = server;
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /**
   * A new config snapshot. Pushed after the debounce window to the proxies `affects` selects
   * (all when omitted), for the resource `types` that may have changed (all when omitted);
   * requests arriving meanwhile are already answered from it.
   */
  setSnapshot(snapshot: S, affects?: Affects, types?: ReadonlySet<TypeUrl>): void {
    this.snapshot = snapshot;
    this.debouncer.add(snapshot, affects, types);
  }

  /** Pushes a pending snapshot now instead of at the end of the debounce window. */
  pushNow(): void {
    this.debouncer.flushNow();
  }

  syncz(): SyncStatus[] {
    return [...this.connections].map((c) => c.status());
  }

  connectedProxies(): ProxyNode[] {
    return [...this.connections].map((c) => c.proxy);
  }

  /** Ends every stream with status OK, then stops the server. */
  async close(): Promise<void> {
    this.debouncer.cancel();
    this.backlog.length = 0;
    for (const conn of [...this.connections]) {
      this.disconnect(conn);
      if (!conn.call.writableEnded) conn.call.end();
    }
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      // A client that never closes its half of a stream must not hold shutdown forever.
      const force = setTimeout(() => server.forceShutdown(), 5000);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private serve(variant: Variant, call: AdsCall): void {
    const stream = ++this.streams;
    let conn: Connection | undefined;
    call.on('data', (request: DiscoveryRequest | DeltaDiscoveryRequest) => {
      if (conn?.closed) return;
      try {
        if (!conn) {
          conn = this.connect(stream, variant, call, parseNode(request.node));
        }
        if (variant === 'sotw') this.onSotwRequest(conn, request as DiscoveryRequest);
        else this.onDeltaRequest(conn, request as DeltaDiscoveryRequest);
      } catch (err) {
        const invalid = err instanceof InvalidNodeError;
        this.log(`xds: ending ${variant} stream ${stream}: ${(err as Error).message}`);
        if (conn) this.disconnect(conn);
        call.emit('error', { code: invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL, details: (err as Error).message });
      }
    });
    const gone = (): void => {
      if (conn) this.disconnect(conn);
    };
    call.on('end', () => {
      gone();
      // The client closed its half; close ours so the stream completes with OK.
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', gone);
    call.on('error', gone);
    call.on('close', gone);
  }

  private connect(stream: number, variant: Variant, call: AdsCall, proxy: ProxyNode): Connection {
    const conn = new Connection(stream, proxy, variant, new Date(this.clock()).toISOString(), call);
    this.connections.add(conn);
    this.metrics.connected.inc();
    this.log(`xds: ${proxy.id} connected (${variant}, stream ${stream})`);
    this.options.onConnect?.(proxy);
    return conn;
  }

  private disconnect(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.connections.delete(conn);
    // Its unfinished writes may never call back; they must not hold the throttle.
    this.inFlight -= conn.outstanding;
    conn.outstanding = 0;
    queueMicrotask(() => this.pump());
    this.metrics.connected.dec();
    this.log(`xds: ${conn.proxy.id} disconnected (stream ${conn.stream})`);
    this.options.onDisconnect?.(conn.proxy);
  }

  private onSotwRequest(conn: Connection, request: DiscoveryRequest): void {
    const typeUrl = request.type_url;
    if (!this.supports(conn, typeUrl)) return;
    const { watch, first } = conn.watch(typeUrl);
    // A request answering an older response was sent before the client saw the newer one; the
    // client will answer that one too, with its current subscription (Envoy xDS protocol).
    if (!first && watch.lastNonce !== undefined && request.response_nonce !== watch.lastNonce) return;
    this.settle(conn, watch, request.response_nonce, request.error_detail);
    watch.setSotwNames(request.resource_names);
    if (watch.owed) this.schedule(conn, new Set([typeUrl]));
  }

  private onDeltaRequest(conn: Connection, request: DeltaDiscoveryRequest): void {
    const typeUrl = request.type_url;
    if (!this.supports(conn, typeUrl)) return;
    const { watch, first } = conn.watch(typeUrl);
    if (first) watch.seedVersions(request.initial_resource_versions ?? {});
    // Unlike SotW, subscription changes are never dropped with a stale nonce: each request
    // carries only its own change, so ignoring one would lose it.
    this.settle(conn, watch, request.response_nonce, request.error_detail);
    watch.applyDelta(request.resource_names_subscribe, request.resource_names_unsubscribe, first);
    if (watch.owed || watch.fresh.size > 0) this.schedule(conn, new Set([typeUrl]));
  }

  private supports(conn: Connection, typeUrl: string): boolean {
    if (this.options.generators.has(typeUrl as TypeUrl)) return true;
    this.log(`xds: ${conn.proxy.id} asked for ${typeUrl || '(no type_url)'}, which this control plane does not serve; ignored`);
    return false;
  }

  private settle(conn: Connection, watch: TypeWatch, nonce: string, error: DiscoveryRequest['error_detail']): void {
    const outcome = watch.settle(nonce, error, new Date(this.clock()).toISOString());
    if (outcome !== 'nack' || !watch.lastNack) return;
    // Routes and endpoints are sent as changes only; after a rejected response the client may
    // hold some of it and not the rest, so the next response carries the whole set again.
    if (watch.typeUrl === TYPE_URL.ROUTE || watch.typeUrl === TYPE_URL.ENDPOINT) {
      watch.heldSet = undefined;
      watch.heldFingerprint = undefined;
    }
    const type = shortTypeName(watch.typeUrl);
    this.metrics.nacks.inc({ type });
    this.log(`xds: ${conn.proxy.id} rejected ${type} version ${watch.lastNack.version} (nonce ${nonce}): ${watch.lastNack.message}`);
  }

  private push(pending: PendingPush<S>): void {
    const targets = [...this.connections].filter((conn) => {
      const owed = [...conn.watches.values()].some((w) => w.owed);
      return owed || !pending.affects || this.affects(pending.affects, conn.proxy);
    });
    for (const conn of targets) this.schedule(conn, pending.types ? new Set(pending.types) : 'all', pending.since);
  }

  /**
   * Queues work for `conn` (merged with what it already waits for, so a stream is in the
   * backlog at most once, however many pushes pass) and runs what the throttle allows.
   */
  private schedule(conn: Connection, types: Set<string> | 'all', since?: number): void {
    const q = conn.queued;
    if (!q) conn.queued = { types, since };
    else {
      if (q.types !== 'all') q.types = types === 'all' ? 'all' : new Set([...q.types, ...types]);
      q.since = Math.min(q.since ?? Infinity, since ?? Infinity);
      if (q.since === Infinity) q.since = undefined;
    }
    if (!conn.inBacklog) {
      conn.inBacklog = true;
      this.backlog.push(conn);
    }
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < MAX_RESPONSES_IN_FLIGHT && this.backlog.length > 0) {
      const conn = this.backlog.shift() as Connection;
      conn.inBacklog = false;
      if (conn.closed || !conn.queued) continue;
      // A stream still holding its share waits; its own completed write puts it back.
      if (conn.outstanding >= MAX_RESPONSES_IN_FLIGHT_PER_STREAM) continue;
      const { types, since } = conn.queued;
      conn.queued = undefined;
      this.pushConnection(conn, since, types === 'all' ? undefined : types);
    }
  }

  private affects(affects: Affects, proxy: ProxyNode): boolean {
    try {
      return affects(proxy);
    } catch (err) {
      // A broken predicate must not leave a proxy on stale config: push to it.
      this.log(`xds: affects predicate threw for ${proxy.id}: ${(err as Error).message}`);
      return true;
    }
  }

  private pushConnection(conn: Connection, since: number | undefined, types?: ReadonlySet<string>): void {
    let clusters: ReadonlySet<string> | undefined;
    for (const typeUrl of pushOrder(conn.watches.keys())) {
      if (conn.closed) return;
      // A type the change cannot have touched is not regenerated (requests still owed are).
      if (types && !types.has(typeUrl) && !conn.watches.get(typeUrl)?.owed) continue;
      // Envoy finishes warming a changed cluster only when it receives its endpoints again,
      // even unchanged ones, so EDS follows every CDS response for the clusters it carried.
      const forceNames = typeUrl === TYPE_URL.ENDPOINT ? clusters : undefined;
      const sent = this.respond(conn, typeUrl, { forceNames, since });
      if (typeUrl === TYPE_URL.CLUSTER && sent) clusters = new Set(sent);
    }
  }

  /** Sends the type's next response if there is one; returns the names it carried. */
  private respond(conn: Connection, typeUrl: string, opts: { forceNames?: ReadonlySet<string>; since?: number }): string[] | undefined {
    const snapshot = this.snapshot;
    const watch = conn.watches.get(typeUrl);
    const generator = this.options.generators.get(typeUrl as TypeUrl);
    // Before the first snapshot a request stays owed; the first push answers it.
    if (!snapshot || !watch || !generator) return undefined;
    const inputs: ResponseInputs<S> = {
      proxy: conn.proxy,
      watch,
      generator,
      snapshot,
      forceNames: opts.forceNames,
      nonce: () => (++this.nonces).toString(36),
      controlPlane: this.identifier,
    };
    let result;
    try {
      result = conn.variant === 'sotw' ? sotwResponse(inputs) : deltaResponse(inputs);
    } catch (err) {
      // The client keeps what it has; the next snapshot tries again.
      this.log(`xds: not sending ${shortTypeName(typeUrl)} to ${conn.proxy.id}: ${(err as Error).message}`);
      return undefined;
    }
    if (!result) return undefined;
    this.write(conn, typeUrl, result.response, opts.since);
    return result.names;
  }

  private write(conn: Connection, typeUrl: string, message: object, since: number | undefined): void {
    const call = conn.call;
    if (conn.closed || call.writableEnded || call.destroyed) return;
    this.metrics.pushes.inc({ type: shortTypeName(typeUrl) });
    conn.outstanding++;
    this.inFlight++;
    // Real timers, not the injected ones: tests drive the debounce by hand, and this must not
    // fire with it.
    const sendTimeoutMs = this.options.sendTimeoutMs ?? SEND_TIMEOUT_MS;
    const timeout = systemTimers.setTimeout(() => {
      this.log(`xds: ${conn.proxy.id} did not take a ${shortTypeName(typeUrl)} response within ${sendTimeoutMs} ms; ending its stream`);
      this.disconnect(conn);
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS response not read in time; reconnect' });
    }, sendTimeoutMs);
    call.write(message, () => {
      systemTimers.clearTimeout(timeout);
      if (since !== undefined) this.metrics.pushTime.observe(Math.max(0, this.clock() - since) / 1000);
      // A closed stream's writes were already let go in disconnect().
      if (conn.outstanding > 0) {
        conn.outstanding--;
        this.inFlight--;
        if (conn.queued && !conn.inBacklog) {
          conn.inBacklog = true;
          this.backlog.push(conn);
        }
      }
      this.pump();
    });
  }
}
