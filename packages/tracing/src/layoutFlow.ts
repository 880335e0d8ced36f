import type { FlowEdge, FlowNode } from './FlowEdge.js';
import { flowNodeKey } from './flowNodeKey.js';

export interface PlacedNode extends FlowNode {
  readonly key: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedEdge {
  readonly edge: FlowEdge;
  readonly key: string;
  /** An SVG path (a cubic curve from the right side of `from` to the left side of `to`). */
  readonly path: string;
  readonly labelX: number;
  readonly labelY: number;
  /** `end` when the label goes on the edge's left (a slanted edge left of the centre line), else `start`. */
  readonly labelAnchor: 'start' | 'end';
}

export interface FlowLayout {
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

const layerGap = 92;
const nodeGap = 230;
const margin = 30;
const nodeHeight = 38;
/** Rough width of one character of the 13 px sans-serif labels. */
const charWidth = 7.6;
/** Room on the right of the widest row for edge labels and looping edges, and on the left for labels of edges leaning left. */
const rightRoom = 240;
const leftRoom = 170;

/**
 * Places the flow graph top to bottom: each node in the row after its longest chain of
 * predecessors (cycles broken where a depth-first walk meets them), nodes in a row ordered
 * by the mean position of their predecessors, rows centred. Edge labels go right of their
 * edge's middle; an edge going back up loops on the right. Deterministic for a set of edges.
 */
export function layoutFlow(edges: readonly FlowEdge[]): FlowLayout {
  const nodes = new Map<string, FlowNode>();
  const out = new Map<string, string[]>();
  const incoming = new Map<string, string[]>();
  for (const edge of edges) {
    const from = flowNodeKey(edge.from);
    const to = flowNodeKey(edge.to);
    nodes.set(from, edge.from);
    nodes.set(to, edge.to);
    (out.get(from) ?? out.set(from, []).get(from)!).push(to);
    (incoming.get(to) ?? incoming.set(to, []).get(to)!).push(from);
  }
  const keys = [...nodes.keys()].sort();
  // Depth-first from sources (then from whatever is left, in a cycle) to find back edges.
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<string>();
  const visit = (key: string): void => {
    state.set(key, 'open');
    for (const next of [...(out.get(key) ?? [])].sort()) {
      const seen = state.get(next);
      if (seen === 'open') back.add(`${key}>${next}`);
      else if (seen === undefined) visit(next);
    }
    state.set(key, 'done');
  };
  for (const key of keys) if ((incoming.get(key) ?? []).length === 0 && !state.has(key)) visit(key);
  for (const key of keys) if (!state.has(key)) visit(key);
  // Longest path over the forward edges.
  const layer = new Map<string, number>();
  const layerOf = (key: string, guard = 0): number => {
    const known = layer.get(key);
    if (known !== undefined) return known;
    const preds = (incoming.get(key) ?? []).filter((from) => !back.has(`${from}>${key}`));
    const value = guard > keys.length ? 0 : preds.reduce((max, from) => Math.max(max, layerOf(from, guard + 1) + 1), 0);
    layer.set(key, value);
    return value;
  };
  for (const key of keys) layerOf(key);
  const columns: string[][] = [];
  for (const key of keys) (columns[layer.get(key)!] ??= []).push(key);
  const row = new Map<string, number>();
  columns.forEach((column, index) => {
    if (index > 0) {
      const mean = (key: string): number => {
        const rows = (incoming.get(key) ?? []).map((from) => row.get(from)).filter((r): r is number => r !== undefined);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
      };
      column.sort((a, b) => mean(a) - mean(b) || a.localeCompare(b));
    }
    column.forEach((key, position) => row.set(key, position));
  });
  const widthOf = (key: string): number => Math.max(90, Math.ceil(nodes.get(key)!.name.length * charWidth) + 28);
  const rowWidth = (column: readonly string[]): number => column.reduce((sum, key) => sum + widthOf(key), 0) + (column.length - 1) * (nodeGap - 90);
  const widest = Math.max(0, ...columns.map((column) => (column ? rowWidth(column) : 0)));
  const placed = new Map<string, PlacedNode>();
  columns.forEach((column, index) => {
    if (!column) return;
    let x = margin + leftRoom + (widest - rowWidth(column)) / 2;
    const y = margin + index * (nodeHeight + layerGap);
    for (const key of column) {
      const width = widthOf(key);
      placed.set(key, { ...nodes.get(key)!, key, x: r(x), y, width, height: nodeHeight });
      x += width + nodeGap - 90;
    }
  });
  const right = margin + leftRoom + widest;
  const centre = margin + leftRoom + widest / 2;
  const placedEdges: PlacedEdge[] = edges.map((edge) => {
    const from = placed.get(flowNodeKey(edge.from))!;
    const to = placed.get(flowNodeKey(edge.to))!;
    const key = `${flowNodeKey(edge.from)}>${flowNodeKey(edge.to)}`;
    if (to.y > from.y) {
      const x1 = from.x + from.width / 2;
      const y1 = from.y + from.height;
      const x2 = to.x + to.width / 2;
      const y2 = to.y;
      const bend = (y2 - y1) / 2;
      const path = `M ${r(x1)} ${r(y1)} C ${r(x1)} ${r(y1 + bend)}, ${r(x2)} ${r(y2 - bend)}, ${r(x2)} ${r(y2)}`;
      // A slanted edge's label goes on its outer side (away from the centre line), so that the
      // labels of two edges meeting at one node, or leaving it, do not run into each other.
      const midX = (x1 + x2) / 2;
      const outwardLeft = Math.abs(x2 - x1) > 1 && midX < centre;
      return { edge, key, path, labelX: r(midX + (outwardLeft ? -10 : 10)), labelY: r((y1 + y2) / 2), labelAnchor: outwardLeft ? 'end' : 'start' };
    }
    // Back up (a cycle) or sideways: loop out on the right.
    const x1 = from.x + from.width;
    const y1 = from.y + from.height / 2;
    const x2 = to.x + to.width;
    const y2 = to.y + to.height / 2;
    const out = right + 60;
    const path = `M ${r(x1)} ${r(y1)} C ${r(out)} ${r(y1)}, ${r(out)} ${r(y2)}, ${r(x2)} ${r(y2)}`;
    return { edge, key, path, labelX: r(out + 6), labelY: r((y1 + y2) / 2), labelAnchor: 'start' };
  });
  const rows = columns.length;
  return {
    nodes: [...placed.values()],
    edges: placedEdges,
    width: r(right + rightRoom),
    height: r(margin * 2 + rows * nodeHeight + Math.max(0, rows - 1) * layerGap),
  };
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
