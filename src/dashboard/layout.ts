// Where the graph's nodes go: a layered, left-to-right layout (callers on the left, callees on
// the right), the shape a request path has. Pure and DOM-free, so it is unit-tested here and
// bundled into the page as is. A service mesh graph is small (tens of nodes), so the simple
// method is enough: rank = longest path from a node nobody calls (cycles broken where a DFS
// meets them), then order each column by the average position of its callers.

export interface LayoutInput {
  nodes: readonly { id: string; label: string }[];
  edges: readonly { source: string; target: string }[];
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  rank: number;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  columnGap?: number;
  rowGap?: number;
  margin?: number;
  nodeWidth?: number;
  nodeHeight?: number;
}

export function layoutGraph(input: LayoutInput, opts: LayoutOptions = {}): Layout {
  const columnGap = opts.columnGap ?? 260;
  const rowGap = opts.rowGap ?? 86;
  const margin = opts.margin ?? 24;
  const nodeWidth = opts.nodeWidth ?? 160;
  const nodeHeight = opts.nodeHeight ?? 46;
  const ids = input.nodes.map((n) => n.id);
  const label = new Map(input.nodes.map((n) => [n.id, n.label]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const callers = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of input.edges) {
    if (e.source === e.target || !out.has(e.source) || !out.has(e.target)) continue;
    out.get(e.source)!.push(e.target);
    callers.get(e.target)!.push(e.source);
  }

  // Drop edges that close a cycle, so "longest path" is defined.
  const forward = new Map<string, string[]>(ids.map((id) => [id, []]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string) => {
    state.set(id, 'open');
    for (const t of out.get(id)!) {
      if (state.get(t) === 'open') continue;
      forward.get(id)!.push(t);
      if (!state.has(t)) visit(t);
    }
    state.set(id, 'done');
  };
  const roots = ids.filter((id) => callers.get(id)!.length === 0);
  for (const id of [...roots, ...ids]) if (!state.has(id)) visit(id);

  const rank = new Map<string, number>(ids.map((id) => [id, 0]));
  // Longest path by relaxation; at most |nodes| rounds on an acyclic graph.
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const [s, targets] of forward) {
      for (const t of targets) {
        if (rank.get(t)! < rank.get(s)! + 1) {
          rank.set(t, rank.get(s)! + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }

  const columns: string[][] = [];
  for (const id of ids) (columns[rank.get(id)!] ??= []).push(id);
  const row = new Map<string, number>();
  columns.forEach((column, i) => {
    const center = (id: string) => {
      const ys = callers.get(id)!.map((c) => row.get(c)).filter((y): y is number => y !== undefined);
      return ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
    };
    column.sort((a, b) => (i > 0 ? center(a) - center(b) : 0) || label.get(a)!.localeCompare(label.get(b)!));
    column.forEach((id, j) => row.set(id, j - (column.length - 1) / 2));
  });

  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const height = margin * 2 + nodeHeight + rowGap * (tallest - 1);
  const nodes = new Map<string, PlacedNode>();
  for (const id of ids) {
    nodes.set(id, {
      id,
      rank: rank.get(id)!,
      x: margin + rank.get(id)! * columnGap,
      y: height / 2 - nodeHeight / 2 + row.get(id)! * rowGap,
    });
  }
  return { nodes, width: margin * 2 + nodeWidth + columnGap * Math.max(0, columns.length - 1), height };
}
