// The dashboard's HTTP face under /ui on the manager's monitoring port: the page, the bundle,
// and a small JSON API the page polls (no SSE: a poll every two seconds is what the scrape
// interval can refresh anyway, and it survives proxies and restarts without reconnect logic).
//
//   GET /ui/                       the page
//   GET /ui/app.js, /ui/app.css    the bundle
//   GET /ui/api/graph              nodes and edges with rates (Graph)
//   GET /ui/api/services           every service with its config status, and the store's errors
//   GET /ui/api/services/HOST      one service: applied config, validation, endpoints, proxy sync
//   GET /ui/api/proxies            every connected proxy's sync status
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyNode, PushContext } from '../control/model/index.js';
import type { SyncStatus } from '../control/xds/index.js';
import type { ConfigStore } from '../store/index.js';
import { MeshScraper, type ScrapeTarget } from './scraper.js';
import { serviceDetail, serviceSummaries, type ServiceViewInputs } from './service-view.js';
import { INDEX_HTML, NOT_BUILT, StaticFiles } from './static-files.js';
import { ValidationCache } from './validation.js';

/** What the dashboard reads from the manager. */
export interface DashboardSource {
  current(): PushContext;
  syncz(): SyncStatus[];
  connectedProxies(): ProxyNode[];
}

export interface DashboardOptions {
  scrapeIntervalMs?: number;
  windowMs?: number;
  /** Where the bundle is (default dist/ui/). */
  uiDir?: URL;
}

export interface Dashboard {
  /** Answers a request under /ui; false when the path is not the dashboard's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

export function createDashboard(source: DashboardSource, store: ConfigStore, opts: DashboardOptions = {}): Dashboard {
  const scraper = new MeshScraper({
    targets: () => source.connectedProxies().filter((p) => p.type !== 'proxyless').map(scrapeTarget),
    ...(opts.scrapeIntervalMs !== undefined ? { intervalMs: opts.scrapeIntervalMs } : {}),
    ...(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {}),
  });
  const files = new StaticFiles(opts.uiDir);
  const validation = new ValidationCache(store);
  const inputs = (): ServiceViewInputs => {
    const push = source.current();
    return { push, messages: validation.messagesFor(push), syncz: source.syncz(), proxies: source.connectedProxies() };
  };

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://dashboard');
      const path = url.pathname;
      if (path !== '/ui' && !path.startsWith('/ui/')) return false;
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(`${JSON.stringify(body)}\n`);
      };
      try {
        if (path === '/ui') {
          res.writeHead(301, { location: '/ui/' }).end();
        } else if (path === '/ui/' || path === '/ui/index.html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX_HTML);
        } else if (path === '/ui/api/graph') {
          json(200, scraper.graph());
        } else if (path === '/ui/api/services') {
          json(200, { services: serviceSummaries(inputs()), storeErrors: store.errors().map((e) => e.toJSON()) });
        } else if (path.startsWith('/ui/api/services/')) {
          const host = decodeURIComponent(path.slice('/ui/api/services/'.length));
          const detail = serviceDetail(inputs(), host);
          if (detail) json(200, detail);
          else json(404, { error: `no service "${host}": use a host from /ui/api/services, e.g. reviews.default.svc.cluster.local` });
        } else if (path === '/ui/api/proxies') {
          json(200, source.syncz());
        } else if (path.startsWith('/ui/api/')) {
          json(404, { error: `no such API: ${path}; try /ui/api/graph, /ui/api/services, /ui/api/proxies` });
        } else {
          files.get(path.slice('/ui/'.length)).then((file) => {
            if (file) res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body);
            else if (path === '/ui/app.js' || path === '/ui/app.css') res.writeHead(503, { 'content-type': 'text/plain' }).end(NOT_BUILT);
            else res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}; the dashboard is at /ui/\n`);
          }, (err: Error) => res.writeHead(500).end(`${err.message}\n`));
        }
      } catch (err) {
        // A bug in a view must not take the manager down: say what failed instead.
        if (!res.headersSent) json(500, { error: (err as Error).message });
      }
      return true;
    },
    close() {
      scraper.close();
    },
  };
}

function scrapeTarget(p: ProxyNode): ScrapeTarget {
  const admin = p.metadata.ISTHMUS_ADMIN;
  const name = p.metadata.WORKLOAD_NAME;
  const workload = typeof name === 'string' && name !== '' ? name : p.labels.app ?? p.id.split('~')[2]?.split('.')[0] ?? p.id;
  return {
    id: p.id,
    ...(typeof admin === 'string' && admin !== '' ? { admin } : {}),
    workload: { namespace: p.namespace, workload, ...(p.labels.version ? { version: p.labels.version } : {}), gateway: p.type === 'router' },
  };
}
