// The dashboard: a live service graph and per-service pages, served by the manager under /ui.
export { createDashboard, type Dashboard, type DashboardOptions, type DashboardSource } from './api.js';
export { buildGraph, type Graph, type GraphEdge, type GraphNode, type ProxyWorkload } from './graph.js';
export { edgeSeries, edgeSeriesFromText, type EdgeSeries } from './edge-series.js';
export { TrafficWindow, type EdgeRates } from './traffic-window.js';
export { histogramQuantile } from './quantile.js';
export { parsePrometheusText, type Sample } from './prometheus-text.js';
export { MeshScraper, type ScrapeTarget } from './scraper.js';
export { layoutGraph, type Layout, type PlacedNode } from './layout.js';
export type { ServiceDetail, ServiceSummary, AppliedConfig, ConfigStatus } from './service-view.js';
