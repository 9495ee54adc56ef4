// The manager's scraper: every connected proxy's /stats/prometheus on its admin address, every
// `intervalMs`, into one TrafficWindow. It runs only while someone looks — each graph request
// keeps it going for `idleMs` — so a mesh nobody watches pays nothing for the dashboard.
import { edgeSeriesFromText } from './edge-series.js';
import { buildGraph, type Graph, type ProxyWorkload } from './graph.js';
import { TrafficWindow } from './traffic-window.js';

/** A connected proxy: who it is, and where its admin port is (absent: it did not say). */
export interface ScrapeTarget {
  id: string;
  /** `host:port` of its admin server (node metadata ISTHMUS_ADMIN). */
  admin?: string;
  workload: ProxyWorkload;
}

export interface MeshScraperOptions {
  targets: () => readonly ScrapeTarget[];
  intervalMs?: number;
  windowMs?: number;
  /** Stop scraping this long after the last graph request. */
  idleMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class MeshScraper {
  private readonly window: TrafficWindow;
  private readonly intervalMs: number;
  private readonly windowMs: number;
  private readonly idleMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly errors = new Map<string, string>();
  private lastWanted = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: MeshScraperOptions) {
    this.intervalMs = opts.intervalMs ?? 2000;
    this.windowMs = opts.windowMs ?? 10_000;
    this.idleMs = opts.idleMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 1500;
    this.now = opts.now ?? Date.now;
    this.window = new TrafficWindow(this.windowMs);
  }

  /** The graph as of now; starts the scrape loop if it was idle. */
  graph(): Graph {
    this.wanted();
    const targets = this.opts.targets();
    const errors = targets.filter((t) => this.errors.has(t.id)).map((t) => ({ proxy: t.id, error: this.errors.get(t.id)! }));
    return buildGraph(this.window.rates(this.now()), targets.map((t) => t.workload), {
      at: new Date(this.now()).toISOString(),
      windowSeconds: this.windowMs / 1000,
      scraped: targets.filter((t) => t.admin !== undefined && !this.errors.has(t.id)).length,
      scrapeErrors: errors,
    });
  }

  /** Scrapes every target once, now (the loop calls this; tests may too). */
  scrapeOnce(): Promise<void> {
    this.round ??= this.scrapeAll().finally(() => (this.round = undefined));
    return this.round;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wanted(): void {
    this.lastWanted = this.now();
    if (this.timer || this.closed) return;
    void this.scrapeOnce();
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || this.now() - this.lastWanted > this.idleMs) return;
      void this.scrapeOnce();
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }

  private async scrapeAll(): Promise<void> {
    const targets = this.opts.targets();
    const ids = new Set(targets.map((t) => t.id));
    for (const gone of this.window.observed()) if (!ids.has(gone)) this.window.forget(gone);
    for (const gone of this.errors.keys()) if (!ids.has(gone)) this.errors.delete(gone);
    await Promise.all(targets.map((t) => this.scrape(t)));
  }

  private async scrape(t: ScrapeTarget): Promise<void> {
    if (!t.admin) {
      this.errors.set(t.id, 'the proxy did not advertise its admin address (node metadata ISTHMUS_ADMIN); start it with a current isthmus proxy');
      return;
    }
    try {
      const res = await fetch(`http://${t.admin}/stats/prometheus`, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      this.window.observe(t.id, this.now(), edgeSeriesFromText(text));
      this.errors.delete(t.id);
    } catch (err) {
      this.errors.set(t.id, `GET http://${t.admin}/stats/prometheus failed: ${(err as Error).message}`);
    }
  }
}
