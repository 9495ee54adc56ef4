// The proxy's operator ports, after Envoy and Istio: admin (15000: /config_dump, /clusters,
// /certs, /listeners, /stats, /stats/prometheus, /ready, POST /drain_listeners), Istio's readiness
// port (15021: /healthz/ready) and its Prometheus port (15090: /stats/prometheus).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { meshSecrets } from '../identity/secret-store.js';
import { certsView } from './certs.js';
import { clustersText, configDump, type AdminView } from './views.js';

export interface AdminHooks {
  /** Prometheus text of the proxy's metrics. */
  metrics(): Promise<string>;
  /** Begins a graceful drain (POST /drain_listeners, or /quitquitquit to also exit). */
  drain(exit: boolean): void;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function adminRoutes(proxy: AdminView, hooks: AdminHooks): Record<string, Handler> {
  const ready = (res: http.ServerResponse) => (proxy.isReady ? send(res, 200, 'LIVE\n') : send(res, 503, 'PRE_INITIALIZING\n'));
  const prometheus = async (_req: http.IncomingMessage, res: http.ServerResponse) => send(res, 200, await hooks.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
  return {
    '/ready': (_req, res) => ready(res),
    '/healthz/ready': (_req, res) => ready(res),
    '/config_dump': (_req, res) => send(res, 200, `${JSON.stringify(configDump(proxy), null, 2)}\n`, 'application/json'),
    '/clusters': (_req, res) => send(res, 200, clustersText(proxy)),
    '/certs': (_req, res) => send(res, 200, `${JSON.stringify(certsView(meshSecrets()), null, 2)}\n`, 'application/json'),
    '/listeners': (_req, res) => send(res, 200, `${JSON.stringify(proxy.listenerStatus(), null, 2)}\n`, 'application/json'),
    '/stats': prometheus,
    '/stats/prometheus': prometheus,
    '/drain_listeners': (req, res) => {
      if (req.method !== 'POST') return send(res, 405, 'use POST\n');
      hooks.drain(false);
      send(res, 200, 'OK\n');
    },
    '/quitquitquit': (req, res) => {
      if (req.method !== 'POST') return send(res, 405, 'use POST\n');
      send(res, 200, 'OK\n');
      hooks.drain(true);
    },
  };
}

/** Serves the given paths (others → 404) on host:port; resolves with the bound port. */
export function serveAdmin(host: string, port: number, routes: Record<string, Handler>): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = routes[path];
    if (!handler) return send(res, 404, `no such admin path ${path}; try ${Object.keys(routes).join(' ')}\n`);
    // Through a promise so a handler that throws answers 500 instead of taking the proxy down.
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err) => send(res, 500, `${(err as Error).message}\n`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
