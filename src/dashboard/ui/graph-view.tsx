// The live service graph: workloads by version as boxes, traffic as arrows labelled with
// requests/s, 5xx ratio and p99, a lock where the hop was mutual TLS. Drawn as SVG in the DOM
// (not a canvas), so every number is text a person can select and a test can read.
import type { Graph, GraphEdge, GraphNode } from '../graph.js';
import { layoutGraph } from '../layout.js';
import { health, millis, percent, rate } from './format.js';
import { usePoll } from './poll.js';

const NODE_W = 160;
const NODE_H = 46;

export function GraphPage() {
  const { data, error } = usePoll<Graph>('/ui/api/graph', 2000);
  if (!data) return <p class="muted">{error ?? 'Scraping the proxies…'}</p>;
  const labels = new Map(data.nodes.map((n) => [n.id, n.label]));
  return (
    <section>
      <p class="muted">
        Rates over the last {data.windowSeconds} s from {data.scraped} proxies (reporter: destination, as Kiali), updated {new Date(data.at).toLocaleTimeString()}.
        {error && <span class="error"> {error}</span>}
      </p>
      {data.scrapeErrors.length > 0 && (
        <details class="warn-box">
          <summary>{data.scrapeErrors.length} proxies could not be scraped</summary>
          <ul>{data.scrapeErrors.map((e) => <li key={e.proxy}><code>{e.proxy}</code>: {e.error}</li>)}</ul>
        </details>
      )}
      {data.nodes.length === 0 ? <p>No proxy is connected yet.</p> : <GraphSvg graph={data} />}
      <h2>Traffic</h2>
      <table class="edges">
        <thead><tr><th>From</th><th>To</th><th>Requests</th><th>5xx</th><th>p99</th><th>mTLS</th><th>Codes</th></tr></thead>
        <tbody>
          {data.edges.map((e) => (
            <tr key={e.id} data-edge-row={`${labels.get(e.source)}->${labels.get(e.target)}`} class={health(e.errorRatio, e.requestsPerSecond)}>
              <td>{labels.get(e.source)}</td>
              <td>{labels.get(e.target)}</td>
              <td>{rate(e.requestsPerSecond)}</td>
              <td>{percent(e.errorRatio)}</td>
              <td>{millis(e.p99Ms)}</td>
              <td>{e.mutualTlsRatio === null ? '–' : percent(e.mutualTlsRatio)}</td>
              <td>{Object.entries(e.responseCodes).map(([code, r]) => `${code}: ${rate(r)}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function GraphSvg({ graph }: { graph: Graph }) {
  const layout = layoutGraph(graph, { nodeWidth: NODE_W, nodeHeight: NODE_H, columnGap: 340, rowGap: 92 });
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return (
    <svg class="graph" width={layout.width} height={layout.height + 20} viewBox={`0 -10 ${layout.width} ${layout.height + 20}`} role="img" aria-label="service graph">
      <defs>
        {(['idle', 'ok', 'warn', 'bad'] as const).map((h) => (
          <marker key={h} id={`arrow-${h}`} viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class={`arrowhead ${h}`} />
          </marker>
        ))}
      </defs>
      {graph.edges.map((e) => {
        const s = layout.nodes.get(e.source);
        const t = layout.nodes.get(e.target);
        return s && t ? <EdgeView key={e.id} edge={e} from={s} to={t} source={byId.get(e.source)!} target={byId.get(e.target)!} /> : null;
      })}
      {graph.nodes.map((n) => {
        const p = layout.nodes.get(n.id)!;
        return <NodeView key={n.id} node={n} x={p.x} y={p.y} />;
      })}
    </svg>
  );
}

function NodeView({ node, x, y }: { node: GraphNode; x: number; y: number }) {
  const h = health(node.errorRatioIn, node.requestsPerSecondIn);
  const href = node.kind === 'gateway' ? undefined : `#/services/${encodeURIComponent(node.name)}`;
  const body = (
    <g class={`node ${node.kind} ${h}`} data-node={node.label} data-kind={node.kind} transform={`translate(${x},${y})`}>
      <title>{`${node.namespace}/${node.label}: ${node.proxies} proxies, ${rate(node.requestsPerSecondIn)} in, ${percent(node.errorRatioIn)} 5xx`}</title>
      <rect width={NODE_W} height={NODE_H} rx={node.kind === 'service' ? 23 : 8} />
      <text x={12} y={19} class="node-label">{node.label}</text>
      <text x={12} y={36} class="node-sub">
        {node.kind === 'gateway' ? 'gateway' : node.kind === 'service' ? 'service (no workload reached)' : node.namespace}
        {node.kind !== 'service' && node.proxies === 0 ? ' · no proxy' : ''}
      </text>
    </g>
  );
  return href ? <a href={href}>{body}</a> : body;
}

function EdgeView({ edge, from, to, source, target }: { edge: GraphEdge; from: { x: number; y: number }; to: { x: number; y: number }; source: GraphNode; target: GraphNode }) {
  const h = health(edge.errorRatio, edge.requestsPerSecond);
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  const backwards = x2 <= x1;
  // Forward edges are gentle S-curves; an edge back to an earlier column arcs below the nodes.
  const d = backwards
    ? `M ${x1} ${y1} C ${x1 + 80} ${y1 + 120}, ${x2 - 80} ${y2 + 120}, ${x2} ${y2}`
    : `M ${x1} ${y1} C ${(x1 + x2) / 2} ${y1}, ${(x1 + x2) / 2} ${y2}, ${x2} ${y2}`;
  // The label sits a little past the middle, where fanned-out edges are already apart.
  const mx = backwards ? (x1 + x2) / 2 : cubic(x1, (x1 + x2) / 2, (x1 + x2) / 2, x2, 0.62);
  const my = backwards ? Math.max(y1, y2) + 90 : cubic(y1, y1, y2, y2, 0.62);
  const width = edge.requestsPerSecond > 0 ? 1.5 + Math.min(5, Math.log2(1 + edge.requestsPerSecond)) : 1;
  const locked = edge.mutualTlsRatio === 1;
  return (
    <g
      class={`edge ${h}`}
      data-edge={`${source.label}->${target.label}`}
      data-rps={edge.requestsPerSecond.toFixed(3)}
      data-error-ratio={edge.errorRatio.toFixed(3)}
      data-mtls={edge.mutualTlsRatio === null ? 'unknown' : String(edge.mutualTlsRatio)}
    >
      <title>{`${source.label} → ${target.label}: ${rate(edge.requestsPerSecond)}, ${percent(edge.errorRatio)} 5xx, ${millis(edge.p99Ms)}${locked ? ', mutual TLS' : ''}`}</title>
      <path d={d} class="edge-line" stroke-width={width} marker-end={`url(#arrow-${h})`} fill="none" />
      <g transform={`translate(${mx},${my})`} class="edge-label">
        <rect x={-62} y={-17} width={124} height={32} rx={4} />
        <text y={-4} text-anchor="middle">{rate(edge.requestsPerSecond)}{edge.errorRatio > 0 ? ` · ${percent(edge.errorRatio)} err` : ''}</text>
        <text y={10} text-anchor="middle" class="sub">{millis(edge.p99Ms)}</text>
        {locked && <Lock x={50} y={-13} />}
      </g>
    </g>
  );
}

/** A padlock: the hop was mutual TLS (every request the destination saw). */
function Lock({ x, y }: { x: number; y: number }) {
  return (
    <g class="lock" transform={`translate(${x},${y})`} data-mtls-lock="">
      <title>mutual TLS</title>
      <path d="M 2.5 6 V 4 a 3.5 3.5 0 0 1 7 0 V 6" fill="none" stroke-width="1.6" />
      <rect x={0.5} y={6} width={11} height={8} rx={1.5} />
    </g>
  );
}

/** One coordinate of a cubic Bézier curve at parameter t. */
function cubic(p0: number, p1: number, p2: number, p3: number, t: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}
