// The manager's monitoring port (Istio's 15014): Prometheus metrics and the debug views
// operators and `isthmus proxy-status` read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dashboard } from '../dashboard/index.js';
import type { ConfigStore } from '../store/index.js';
import type { Manager } from './manager.js';

export async function startMonitoring(manager: Manager, store: ConfigStore, host: string, port: number): Promise<{ port: number; server: Server }> {
  // The dashboard (/ui) loads on its first request: a manager nobody watches does not carry it.
  let dashboard: Promise<Dashboard> | undefined;
  const server = createServer((req, res) => {
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end('only GET\n');
      return;
    }
    if (path === '/ui' || path.startsWith('/ui/')) {
      dashboard ??= import('../dashboard/index.js').then((d) => d.createDashboard(manager, store));
      dashboard.then((d) => d.handle(req, res), (e: Error) => res.writeHead(500).end(`dashboard: ${e.message}\n`));
      return;
    }
    switch (path) {
      case '/metrics':
        manager.metrics.metrics().then(
          (text) => res.writeHead(200, { 'content-type': manager.metrics.contentType }).end(text),
          (e: Error) => res.writeHead(500).end(`${e.message}\n`),
        );
        return;
      case '/debug/syncz':
        return json(manager.syncz());
      case '/debug/configz':
        return json({ version: manager.current().version, resources: store.list(), errors: store.errors().map((e) => e.toJSON()) });
      case '/ready':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /ui/, /metrics, /debug/syncz, /debug/configz, /ready\n');
    }
  });
  server.on('close', () => void dashboard?.then((d) => d.close(), () => {}));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, server };
}
