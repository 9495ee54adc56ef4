// The HTTP connection manager a listener's filter chain ends in: takes accepted sockets, speaks
// HTTP/1.1 or HTTP/2 on them (AUTO tells them apart by the HTTP/2 preface), and turns each
// request into an ActiveStream. Node's codecs reject malformed request lines, invalid headers,
// conflicting Content-Length/Transfer-Encoding and oversized headers with a 4xx and a close.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ActiveStream, type DownstreamRequest, type DownstreamResponse } from './active-stream.js';
import { endToEndHeaders, firstValue } from './headers.js';
import type { HcmConfig } from './hcm-config.js';
import type { ProxyObserver } from './observer.js';
import { peerIdentity } from './peer-identity.js';
import type { DownstreamInfo, Fields, RequestHead } from './stream.js';
import type { UpgradeSocket } from './upgrade.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import { applyPathNormalization } from './path-normalization.js';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface ConnectionManagerDeps {
  routeTable(name: string): Fields | undefined;
  clusters: ClusterManager;
  observer: ProxyObserver;
  log(line: string): void;
}

export class ConnectionManager {
  private http1?: http.Server;
  private h2?: http2.Http2Server;
  private readonly connections = new Set<Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private draining = false;

  constructor(
    public config: HcmConfig,
    private readonly deps: ConnectionManagerDeps,
    private readonly direction: 'inbound' | 'outbound' | 'gateway' = 'outbound',
  ) {}

  /** Hands over an accepted (and possibly TLS-terminated) socket. */
  accept(socket: Socket): void {
    // A reset while the codec is still being chosen must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.disposeWhenIdle();
    });
    const codec = this.config.codec;
    if (codec === 'HTTP1') return this.server1().emit('connection', socket) as unknown as void;
    if (codec === 'HTTP2') return this.server2().emit('connection', socket) as unknown as void;
    const alpn = (socket as TLSSocket).alpnProtocol;
    if (alpn === 'h2') return this.server2().emit('connection', socket) as unknown as void;
    if (alpn === 'http/1.1') return this.server1().emit('connection', socket) as unknown as void;
    // Plaintext AUTO: wait for enough bytes to tell the HTTP/2 preface from an HTTP/1 request.
    let seen = Buffer.alloc(0);
    // A client that connects and never sends a byte is held to the request-headers timeout too.
    const idle = setTimeout(() => socket.destroy(), this.config.requestHeadersTimeoutMs);
    socket.once('close', () => clearTimeout(idle));
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const h2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (h2 && seen.length < H2_PREFACE.length) return;
      clearTimeout(idle);
      socket.off('data', onData);
      socket.pause();
      socket.unshift(seen);
      (h2 ? this.server2() : this.server1()).emit('connection', socket);
      process.nextTick(() => socket.resume());
    };
    socket.on('data', onData);
  }

  /** Stops taking requests on kept-alive connections and closes idle ones (drain). */
  drain(): void {
    this.draining = true;
    this.http1?.closeIdleConnections();
    for (const session of this.sessions) session.close();
    this.disposeWhenIdle();
  }

  /**
   * A drained manager (retired by a listener update, or shutting down) closes its codec servers
   * once its last connection is gone: that stops node's connection-check timer and lets the old
   * config be collected.
   */
  private disposeWhenIdle(): void {
    if (!this.draining || this.connections.size > 0) return;
    this.http1?.close();
    this.h2?.close();
  }

  /** Open downstream connections, for the drain to wait on. */
  get openConnections(): number {
    return this.connections.size;
  }

  private server1(): http.Server {
    if (this.http1) return this.http1;
    const c = this.config;
    const server = http.createServer({
      maxHeaderSize: c.maxRequestHeadersKb * 1024,
      requestTimeout: 0,
      headersTimeout: c.requestHeadersTimeoutMs,
      keepAliveTimeout: c.idleTimeoutMs,
      connectionsCheckingInterval: 1000,
      noDelay: true,
    } as http.ServerOptions, (req, res) => this.onRequest(req, res));
    server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (!this.config.websocket) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      // Node hands upgrades over without a response object; one bound to the socket lets the
      // filters answer (403, 401, 429 …) exactly as they answer any request.
      const res = new http.ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket);
      this.onRequest(req, res, { socket, head });
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const reason = http.STATUS_CODES[status];
      socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    });
    // This server never listens itself (sockets are handed to it), but node starts its
    // connection tracking — header timeouts (slow loris) and closeIdleConnections (drain) — on
    // 'listening'.
    server.emit('listening');
    this.http1 = server;
    return server;
  }

  private server2(): http2.Http2Server {
    if (this.h2) return this.h2;
    const server = http2.createServer({ maxHeaderListPairs: 512, maxSendHeaderBlockLength: this.config.maxRequestHeadersKb * 1024 }, (req, res) => this.onRequest(req, res));
    server.on('sessionError', () => {});
    server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    this.h2 = server;
    return server;
  }

  private routeTable(): Fields | undefined {
    const c = this.config;
    return c.inlineRoutes ?? this.deps.routeTable(c.rdsName);
  }

  private requestHead(req: DownstreamRequest, socket: Socket): RequestHead | undefined {
    const h2 = req.httpVersionMajor === 2;
    let authority = h2 ? firstValue(req.headers[':authority']) ?? firstValue(req.headers.host) : firstValue(req.headers.host);
    let path = h2 ? firstValue(req.headers[':path']) ?? '/' : req.url ?? '/';
    // HTTP-proxy mode: clients send the absolute form `GET http://host:port/path`.
    if (!path.startsWith('/')) {
      if (path === '*' && req.method === 'OPTIONS') return { method: 'OPTIONS', authority: authority ?? '', path: '*', scheme: 'http', headers: endToEndHeaders(req.headers), protocol: h2 ? 'HTTP/2' : 'HTTP/1.1' };
      let url: URL;
      try {
        url = new URL(path);
      } catch {
        return undefined;
      }
      authority = url.host;
      path = `${url.pathname}${url.search}`;
    }
    if (authority === undefined || authority === '') return undefined;
    const tls = (socket as TLSSocket).encrypted === true;
    const headers = endToEndHeaders(req.headers);
    // Envoy's generate_request_id: every request carries an id from the first proxy on.
    headers['x-request-id'] ??= randomUUID();
    return {
      method: req.method ?? 'GET',
      authority: authority.toLowerCase(),
      path,
      scheme: tls ? 'https' : 'http',
      headers,
      protocol: h2 ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1',
    };
  }

  private onRequest(req: DownstreamRequest, res: DownstreamResponse, upgrade?: UpgradeSocket): void {
    const socket = req.socket as Socket;
    const request = this.requestHead(req, socket);
    if (!request) {
      const body = 'missing host header';
      res.writeHead(400, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    const normalized = applyPathNormalization(request, this.config.pathNormalization);
    if (normalized) return void res.writeHead(normalized.status, { ...normalized.headers, 'content-length': String(Buffer.byteLength(normalized.body)) }).end(normalized.body);
    const downstream: DownstreamInfo = {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      tls: (socket as TLSSocket).encrypted === true,
      ...((socket as TLSSocket).servername ? { serverName: String((socket as TLSSocket).servername) } : {}),
    };
    const peer = peerIdentity(socket as TLSSocket);
    if (peer) downstream.peer = peer;
    // While draining, HTTP/1 clients are told to take their next request elsewhere.
    if (this.draining && request.protocol !== 'HTTP/2') res.setHeader('connection', 'close');
    const c = this.config;
    const stream = new ActiveStream(req, res, request, downstream, {
      direction: this.direction,
      useRemoteAddress: c.useRemoteAddress,
      filters: c.filters,
      routeConfigName: c.rdsName || String(c.inlineRoutes?.name ?? ''),
      routeTable: () => this.routeTable(),
      observer: this.deps.observer,
      serverName: c.serverName,
      log: this.deps.log,
      ...(upgrade ? { upgrade } : {}),
    });
    stream.run();
  }
}
