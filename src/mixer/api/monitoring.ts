// Mixer's monitoring port: /metrics (adapters' Prometheus metrics and Mixer's own), /ready, and
// /debug/configz with the problems of the current configuration.
import { createServer } from 'node:http';
import type { MixerRuntime } from '../runtime/runtime.js';

export async function startMixerMonitoring(runtime: MixerRuntime, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      runtime.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': runtime.registry.contentType });
        res.end(text);
      }, (e: Error) => {
        res.writeHead(500);
        res.end(e.message);
      });
    } else if (path === '/ready') {
      res.writeHead(200);
      res.end('ready\n');
    } else if (path === '/debug/configz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ problems: runtime.problems() }, null, 2));
    } else {
      res.writeHead(404);
      res.end('not found: try /metrics, /ready or /debug/configz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
