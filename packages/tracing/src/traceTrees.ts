import type { FlowSpan } from './FlowSpan.js';
import type { SpanNode } from './SpanNode.js';
import type { TraceTree } from './TraceTree.js';

interface MutableNode {
  readonly span: FlowSpan;
  readonly children: MutableNode[];
}

/**
 * Groups spans by trace and links each to its parent. A span whose parent is not among the
 * spans becomes a root of its trace. Traces are ordered by their first start.
 */
export function traceTrees(spans: Iterable<FlowSpan>): TraceTree[] {
  const byTrace = new Map<string, FlowSpan[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const trees: TraceTree[] = [];
  for (const [traceId, list] of byTrace) {
    const nodes = new Map<string, MutableNode>();
    for (const span of list) nodes.set(span.spanId, { span, children: [] });
    const roots: MutableNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.span.parentSpanId === undefined ? undefined : nodes.get(node.span.parentSpanId);
      if (parent && parent !== node) parent.children.push(node);
      else roots.push(node);
    }
    const order = (a: MutableNode, b: MutableNode): number => a.span.startMs - b.span.startMs;
    for (const node of nodes.values()) node.children.sort(order);
    roots.sort(order);
    const startMs = Math.min(...list.map((span) => span.startMs));
    const endMs = Math.max(...list.map((span) => span.startMs + span.durationMs));
    trees.push({
      traceId,
      roots: roots as readonly SpanNode[],
      size: list.length,
      startMs,
      durationMs: endMs - startMs,
      errors: list.filter((span) => span.status === 'error').length,
    });
  }
  return trees.sort((a, b) => a.startMs - b.startMs);
}
