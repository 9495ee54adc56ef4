// The service graph the UI draws: every connected proxy's workload as a node (so a quiet
// workload is still on the map), every edge that carried traffic in the window, and per node
// the traffic it received.
import type { EdgeRates } from './traffic-window.js';
import { workloadRef, type NodeRef } from './workload-ref.js';

export interface GraphNode extends NodeRef {
  /** Connected proxies of this workload version (0 for nodes known only from traffic). */
  proxies: number;
  /** Inbound requests per second and 5xx ratio over every edge into the node. */
  requestsPerSecondIn: number;
  errorRatioIn: number;
}

export interface GraphEdge extends Omit<EdgeRates, 'source' | 'target'> {
  id: string;
  source: string;
  target: string;
}

export interface Graph {
  /** ISO time the graph was computed. */
  at: string;
  windowSeconds: number;
  /** Proxies scraped for this graph, and those whose last scrape failed (with why). */
  scraped: number;
  scrapeErrors: { proxy: string; error: string }[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** A connected proxy as the graph sees it. */
export interface ProxyWorkload {
  namespace: string;
  workload: string;
  version?: string;
  gateway: boolean;
}

export function buildGraph(rates: readonly EdgeRates[], proxies: readonly ProxyWorkload[], extra: Omit<Graph, 'nodes' | 'edges'>): Graph {
  const nodes = new Map<string, GraphNode>();
  const node = (ref: NodeRef): GraphNode => {
    let n = nodes.get(ref.id);
    if (!n) nodes.set(ref.id, (n = { ...ref, proxies: 0, requestsPerSecondIn: 0, errorRatioIn: 0 }));
    return n;
  };
  for (const p of proxies) node(workloadRef(p.namespace, p.workload, p.version, p.gateway)).proxies++;
  const errorsIn = new Map<string, number>();
  const edges: GraphEdge[] = [];
  for (const r of rates) {
    const source = node(r.source);
    const target = node(r.target);
    target.requestsPerSecondIn += r.requestsPerSecond;
    errorsIn.set(target.id, (errorsIn.get(target.id) ?? 0) + r.errorsPerSecond);
    const { source: _s, target: _t, ...numbers } = r;
    edges.push({ id: `${source.id}->${target.id}`, source: source.id, target: target.id, ...numbers });
  }
  for (const n of nodes.values()) n.errorRatioIn = n.requestsPerSecondIn > 0 ? (errorsIn.get(n.id) ?? 0) / n.requestsPerSecondIn : 0;
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  return { ...extra, nodes: [...nodes.values()].sort(byId), edges: edges.sort(byId) };
}
