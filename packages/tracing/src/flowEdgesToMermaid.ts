import type { FlowEdge, FlowNode } from './FlowEdge.js';
import { edgeLabel } from './edgeLabel.js';

/**
 * The flow as a Mermaid flowchart: services as boxes, topics as stadiums, each edge labelled
 * with its message count, errors and latency p50/p99; edges with errors drawn red.
 */
export function flowEdgesToMermaid(edges: readonly FlowEdge[]): string {
  const ids = new Map<string, string>();
  const lines = ['flowchart LR'];
  const idOf = (node: FlowNode): string => {
    const key = `${node.kind}:${node.name}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = `${node.kind === 'service' ? 's' : 't'}${ids.size}`;
      ids.set(key, id);
      const label = quote(node.name);
      lines.push(node.kind === 'service' ? `  ${id}[${label}]` : `  ${id}([${label}])`);
    }
    return id;
  };
  const sorted = [...edges].sort((a, b) => order(a.from).localeCompare(order(b.from)) || order(a.to).localeCompare(order(b.to)));
  for (const edge of sorted) {
    idOf(edge.from);
    idOf(edge.to);
  }
  const red: number[] = [];
  sorted.forEach((edge, index) => {
    lines.push(`  ${idOf(edge.from)} -->|${quote(edgeLabel(edge))}| ${idOf(edge.to)}`);
    if (edge.errors > 0) red.push(index);
  });
  if (red.length > 0) lines.push(`  linkStyle ${red.join(',')} stroke:#d33,color:#d33`);
  return `${lines.join('\n')}\n`;
}

function order(node: FlowNode): string {
  return `${node.kind === 'service' ? 0 : 1}${node.name}`;
}

function quote(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}
