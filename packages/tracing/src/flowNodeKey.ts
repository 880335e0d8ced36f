import type { FlowNode } from './FlowEdge.js';

/** `service:<name>` or `topic:<name>`: a node's identity in layouts and in the HTML page. */
export function flowNodeKey(node: FlowNode): string {
  return `${node.kind}:${node.name}`;
}
