// WebSocket (HTTP/1.1 Upgrade) through the proxy. The upgrade request runs the listener's HTTP
// filters like any other (authorization, JWT, rate limits answer it with a normal response);
// the router then hands it here with the cluster it chose: connect to an endpoint, replay the
// request head, and splice the two sockets together for as long as either side keeps them open.
import type * as http from 'node:http';
import * as net from 'node:net';
import type { RouteMatchResult } from '../router/route-match.js';
import { rewriteRequest } from '../router/rewrite.js';
import type { UpstreamCluster } from '../upstream/cluster.js';
import type { Fields, RequestHead } from './stream.js';

/** The socket and already-read bytes Node hands over with an upgrade request. */
export interface UpgradeSocket {
  socket: net.Socket;
  head: Buffer;
}

function refuse(socket: net.Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}

export function proxyUpgrade(
  req: http.IncomingMessage,
  { socket, head }: UpgradeSocket,
  request: RequestHead,
  match: RouteMatchResult,
  cluster: UpstreamCluster,
  log: (line: string) => void,
): void {
  const host = cluster.pick({ authority: request.authority });
  if (!host) return refuse(socket, 503, 'Service Unavailable');
  const { path, authority } = rewriteRequest((match.route.route ?? {}) as Fields, match.route, request.path, request.authority);
  const upstream = net.connect({ host: host.host, port: host.port });
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), cluster.pool.connectTimeoutMs);
  upstream.once('connect', () => {
    clearTimeout(timer);
    // The Upgrade and Connection headers are hop-by-hop but are the point here: pass them on.
    const lines = [`${req.method} ${path} HTTP/1.1`, `host: ${authority}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (name.toLowerCase() === 'host') continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', (err) => {
    clearTimeout(timer);
    log(`websocket: upstream ${host.key}: ${err.message}`);
    if (!socket.destroyed) {
      if (upstream.bytesRead === 0 && socket.bytesWritten === 0) refuse(socket, 503, 'Service Unavailable');
      else socket.destroy();
    }
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}
