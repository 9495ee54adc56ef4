// The node:http floor as a proxy row (node-http-proxy.ts): the same load as every other row.
import { join } from 'node:path';
import { freePort } from './ports.js';
import { ServerProcess } from './server-process.js';
import type { Target } from './target.js';

export const nodeHttpTarget: Target = {
  name: 'node:http floor',
  setup: 'a reverse proxy in a few lines of node:http (bench/proxy/node-http-proxy.ts): a keep-alive Agent (64 sockets) to the upstream, bodies piped, no routing, filters or metrics; HTTP/2 on a second node:http2 port. The most an HTTP-aware proxy on Node\'s HTTP stack can do on this machine',
  async start(upstream) {
    const port = await freePort();
    const h2Port = await freePort();
    const script = join(import.meta.dirname, 'node-http-proxy.js');
    const server = await ServerProcess.start('node:http floor', {
      command: process.execPath, args: [script, String(port), String(h2Port), String(upstream.port)], readyLine: /^ready$/, readyTimeoutMs: 10_000,
    });
    return { port, h2Port, pid: server.pid, stop: () => server.stop() };
  },
};
