// Real upstream servers for proxy tests: HTTP/1.1 and h2c servers that say who they are and
// misbehave on request (status, delay, reset mid-body), counting what they received.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface Backend {
  name: string;
  port: number;
  /** Requests received, in order. */
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/**
 * Behaviour by query parameter: `status=503`, `delay=200` (ms before answering), `reset=1`
 * (destroy the socket after part of the body), `body=N` (N bytes of body). The response names
 * the backend in `x-backend` and in its body.
 */
function handle(name: string, requests: Backend['requests']) {
  return (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers as http.IncomingHttpHeaders, body: Buffer.concat(chunks).toString() });
      const status = Number(url.searchParams.get('status') ?? 200);
      const delay = Number(url.searchParams.get('delay') ?? 0);
      const size = url.searchParams.get('body');
      const answer = () => {
        if (res.destroyed) return;
        if (url.searchParams.get('reset') === '1') {
          const out = res as http.ServerResponse;
          out.writeHead(200, { 'content-length': '100000', 'x-backend': name });
          out.write('partial');
          setTimeout(() => (req.socket as import('node:net').Socket).destroy(), 20);
          return;
        }
        const body = size !== null ? 'x'.repeat(Number(size)) : `${name} ${req.method} ${req.url}\n`;
        const out = res as http.ServerResponse;
        out.writeHead(status, { 'content-type': 'text/plain', 'x-backend': name });
        out.end(body);
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  };
}

export async function startHttpBackend(name: string, port = 0, host = '127.0.0.1'): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const server = http.createServer(handle(name, requests));
  await new Promise<void>((r) => server.listen(port, host, r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

export async function startH2cBackend(name: string, port = 0, host = '127.0.0.1'): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const server = http2.createServer(handle(name, requests));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => {
      for (const s of sessions) s.destroy();
      server.close(() => r());
    }),
  };
}
