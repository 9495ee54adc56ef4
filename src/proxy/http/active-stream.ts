// One request's trip through the connection manager: build the request head from the codec,
// pick the route, run the decode chain, and write whatever answer comes back (from the router or
// a filter's local reply) through the encode chain to the client.
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { Readable, type Transform } from 'node:stream';
import { matchRoute, type RouteMatchResult } from '../router/route-match.js';
import type { FilterStatus } from './filter.js';
import { grpcStatusForHttp, isGrpcContentType } from './grpc-status.js';
import type { ConfiguredFilter } from './hcm-config.js';
import type { ProxyObserver, StreamSummary } from './observer.js';
import type { UpgradeSocket } from './upgrade.js';
import type { DownstreamInfo, Fields, Headers, HttpStream, LocalReply, RequestHead, ResponseFlag, ResponseHead, UpstreamInfo } from './stream.js';

export type DownstreamRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type DownstreamResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface StreamDeps {
  direction: 'inbound' | 'outbound' | 'gateway';
  /** HCM use_remote_address: the peer address is appended to x-forwarded-for. */
  useRemoteAddress: boolean;
  filters: readonly ConfiguredFilter[];
  routeConfigName: string;
  /** The current route table; looked up per request so RDS updates apply at once. */
  routeTable(): Fields | undefined;
  observer: ProxyObserver;
  serverName: string;
  log(line: string): void;
  /** Set for an HTTP/1.1 Upgrade (WebSocket): the router splices this socket instead of forwarding. */
  upgrade?: UpgradeSocket;
}

export interface ResponseBody {
  body?: Readable | Buffer | string;
  trailers?: () => Headers | undefined;
  /**
   * The upstream ended the stream with its response headers (HTTP/2 HEADERS with END_STREAM):
   * gRPC's trailers-only form of a status with no message.
   */
  headersOnly?: boolean;
  /** Called when the client went away before the body was written. */
  abort?: () => void;
}

export class ActiveStream implements HttpStream {
  route: RouteMatchResult | undefined;
  upstream: UpstreamInfo | undefined;
  readonly responseFlags = new Set<ResponseFlag>();
  readonly responseTransforms: Transform[] = [];
  readonly filterState = new Map<string, unknown>();
  readonly startTime = Date.now();
  readonly startHr = process.hrtime.bigint();
  readonly isGrpc: boolean;
  responseCodeDetails = '';
  private responding = false;
  private finished = false;
  private status = 0;
  private sentHeaders: Headers = {};
  private grpcStatus: number | undefined;
  private responseBytes = 0;
  requestBytes = 0;
  private localReset = false;
  private readonly giveUpController = new AbortController();
  /**
   * Aborted when the request is given up — the client went away before the response was
   * complete, or the router gave up (route timeout): upstream work for it is cancelled.
   */
  readonly gone: AbortSignal = this.giveUpController.signal;

  constructor(
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly request: RequestHead,
    readonly downstream: DownstreamInfo,
    private readonly deps: StreamDeps,
  ) {
    this.isGrpc = isGrpcContentType(request.headers['content-type']);
    this.route = this.findRoute();
    res.on('close', () => this.onClose());
    deps.observer.onRequestHeaders?.(this);
  }

  get direction(): 'inbound' | 'outbound' | 'gateway' {
    return this.deps.direction;
  }

  get useRemoteAddress(): boolean {
    return this.deps.useRemoteAddress;
  }

  get routeConfigName(): string {
    return this.deps.routeConfigName;
  }

  get done(): boolean {
    return this.responding || this.finished;
  }

  get log(): (line: string) => void {
    return this.deps.log;
  }

  /** The upgrade socket when this request asks to switch protocols (WebSocket). */
  get upgrade(): UpgradeSocket | undefined {
    return this.deps.upgrade;
  }

  get observer(): ProxyObserver {
    return this.deps.observer;
  }

  /** Gives the request up: whatever the router started upstream for it is cancelled. */
  giveUp(): void {
    this.giveUpController.abort();
  }

  /** The route configuration in force for this request. */
  get routeTable(): Fields | undefined {
    return this.deps.routeTable();
  }

  clearRouteCache(): void {
    this.route = this.findRoute();
  }

  private findRoute(): RouteMatchResult | undefined {
    const table = this.deps.routeTable();
    if (!table) return undefined;
    try {
      return matchRoute(table, this.request);
    } catch (err) {
      // RDS regexes are checked before a table is accepted; this only guards the process.
      this.deps.log(`http: route matching failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  perFilterConfig(filterName: string): Fields | undefined {
    const pick = (o: unknown) => (o as { typed_per_filter_config?: Record<string, Fields> } | undefined)?.typed_per_filter_config?.[filterName];
    return pick(this.route?.route) ?? pick(this.route?.virtualHost) ?? pick(this.deps.routeTable());
  }

  /** Runs the decode chain; filters that return a promise are awaited, the rest run synchronously. */
  run(): void {
    this.decodeFrom(0);
  }

  private decodeFrom(index: number): void {
    const filters = this.deps.filters;
    for (let i = index; i < filters.length; i++) {
      const f = filters[i]!.filter;
      if (!f.decodeHeaders || this.done) continue;
      let status: FilterStatus | Promise<FilterStatus>;
      try {
        status = f.decodeHeaders(this);
      } catch (err) {
        this.filterFailed(filters[i]!.name, err);
        return;
      }
      if (typeof status !== 'string') {
        status.then((s) => {
          if (s === 'continue' && !this.done) this.decodeFrom(i + 1);
        }, (err) => this.filterFailed(filters[i]!.name, err));
        return;
      }
      if (status === 'stop') return;
    }
  }

  private filterFailed(name: string, err: unknown): void {
    this.deps.log(`http: filter ${name} failed: ${(err as Error).stack ?? String(err)}`);
    this.sendLocalReply({ status: 500, body: 'filter error\n', details: `filter_error{${name}}` });
  }

  sendLocalReply(reply: LocalReply): void {
    if (this.done) return;
    if (reply.flag) this.responseFlags.add(reply.flag);
    this.responseCodeDetails = reply.details ?? this.responseCodeDetails;
    const headers: Headers = { ...reply.headers };
    if (this.isGrpc) {
      // gRPC clients read the status from a trailers-only response, never from the HTTP code.
      headers['content-type'] = 'application/grpc';
      headers['grpc-status'] = String(reply.grpcStatus ?? grpcStatusForHttp(reply.status));
      if (reply.body) headers['grpc-message'] = encodeURIComponent(reply.body.trim());
      void this.respond({ status: 200, headers }, {});
      return;
    }
    const body = reply.body ?? '';
    if (body !== '') headers['content-type'] ??= 'text/plain';
    headers['content-length'] = String(Buffer.byteLength(body));
    void this.respond({ status: reply.status, headers }, { body });
  }

  /** Sends a response through the encode chain (reverse filter order), then to the client. */
  async respond(head: ResponseHead, out: ResponseBody): Promise<void> {
    if (this.done) {
      out.abort?.();
      return;
    }
    this.responding = true;
    this.deps.observer.onResponseHeaders?.(this, head.headers);
    const filters = this.deps.filters;
    for (let i = filters.length - 1; i >= 0; i--) {
      const f = filters[i]!;
      if (!f.filter.encodeHeaders) continue;
      try {
        const r = f.filter.encodeHeaders(this, head);
        if (r) await r;
      } catch (err) {
        this.deps.log(`http: filter ${f.name} failed on the response: ${(err as Error).message}`);
      }
    }
    if (this.finished || this.res.destroyed) {
      out.abort?.();
      return;
    }
    this.write(head, out);
  }

  private write(head: ResponseHead, out: ResponseBody): void {
    const res = this.res;
    head.headers.server ??= this.deps.serverName;
    if (this.request.protocol === 'HTTP/2') {
      delete head.headers.connection;
      delete head.headers['keep-alive'];
      delete head.headers['transfer-encoding'];
    }
    this.status = head.status;
    this.sentHeaders = head.headers;
    const grpc = head.headers['grpc-status'];
    if (grpc !== undefined) this.grpcStatus = Number(grpc);
    if (this.request.protocol === 'HTTP/2' && (out.body === undefined || out.headersOnly === true)) {
      this.writeHeadersOnly(head, out);
      return;
    }
    try {
      (res as http.ServerResponse).writeHead(head.status, head.headers as http.OutgoingHttpHeaders);
    } catch (err) {
      this.deps.log(`http: cannot send response headers: ${(err as Error).message}`);
      res.destroy();
      out.abort?.();
      return;
    }
    const body = out.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      if (body !== undefined && this.responseTransforms.length === 0) {
        this.responseBytes += Buffer.byteLength(body);
        res.end(body);
        return;
      }
      if (body === undefined) {
        res.end();
        return;
      }
    }
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body!;
    let tail: Readable = source;
    for (const t of this.responseTransforms) {
      tail.on('error', (err) => t.destroy(err));
      tail = tail.pipe(t);
    }
    tail.on('data', (chunk: Buffer) => (this.responseBytes += chunk.length));
    // Ended by hand: trailers (gRPC's status) must be added after the last body byte.
    tail.pipe(res as unknown as NodeJS.WritableStream, { end: false });
    tail.once('end', () => {
      const trailers = out.trailers?.();
      if (trailers) {
        const t = trailers['grpc-status'];
        if (t !== undefined) this.grpcStatus = Number(t);
        try {
          (res as http.ServerResponse).addTrailers(trailers as http.OutgoingHttpHeaders);
        } catch {
          // An HTTP/1.0 client or a response with a Content-Length cannot carry trailers.
        }
      }
      res.end();
    });
    tail.once('error', () => {
      // The upstream reset mid-body: the client sees the response cut short, never a made-up end.
      this.responseFlags.add('UR');
      this.localReset = true;
      res.destroy();
      out.abort?.();
    });
  }

  /**
   * One HEADERS frame with END_STREAM. A gRPC client reads a status only from trailers or from
   * such a trailers-only response, never from headers followed by an empty DATA frame — which is
   * what writeHead then end() would send.
   */
  private writeHeadersOnly(head: ResponseHead, out: ResponseBody): void {
    const res = this.res as http2.Http2ServerResponse;
    try {
      res.statusCode = head.status;
      for (const [name, value] of Object.entries(head.headers)) res.setHeader(name, value);
    } catch (err) {
      this.deps.log(`http: cannot send response headers: ${(err as Error).message}`);
      res.destroy();
      out.abort?.();
      return;
    }
    // The upstream's (empty) body still has to be read to its end.
    if (out.body instanceof Readable) out.body.resume();
    res.end();
  }

  private onClose(): void {
    if (this.finished) return;
    this.finished = true;
    const complete = this.res.writableFinished;
    if (!complete) {
      // The client went away (or we reset it): give the upstream side up too.
      if (!this.localReset) this.responseFlags.add('DC');
      this.giveUp();
    }
    const summary: StreamSummary = {
      stream: this,
      responseCode: this.status,
      responseCodeDetails: this.responseCodeDetails || (this.status ? 'via_upstream' : 'downstream_remote_disconnect'),
      ...(this.grpcStatus !== undefined ? { grpcStatus: this.grpcStatus } : {}),
      requestBytes: this.requestBytes,
      responseBytes: this.responseBytes,
      durationMs: Number(process.hrtime.bigint() - this.startHr) / 1e6,
      responseHeaders: this.sentHeaders,
    };
    for (const f of this.deps.filters) {
      try {
        f.filter.onStreamComplete?.(summary);
      } catch (err) {
        this.deps.log(`http: filter ${f.name} failed at stream end: ${(err as Error).message}`);
      }
    }
    this.deps.observer.onStreamComplete?.(summary);
  }
}
