import { tracingAttributes } from '@hopbus/core';
import type { SpanNode } from './SpanNode.js';
import type { TraceTree } from './TraceTree.js';

/**
 * A trace as indented lines, one per span: `<kind> <name>`, with ` [actor]` for hopbus process
 * spans and ` !error` when the status is ERROR. No times, and siblings in alphabetical order,
 * so that the outline does not depend on timing: made for assertions in tests.
 */
export function traceOutline(tree: TraceTree): string[] {
  const render = (node: SpanNode, depth: number): string[] => {
    const actor = node.span.attributes[tracingAttributes.actor];
    const suffix = `${node.span.kind === 'consumer' && actor !== undefined ? ` [${String(actor)}]` : ''}${node.span.status === 'error' ? ' !error' : ''}`;
    const line = `${'  '.repeat(depth)}${node.span.kind} ${node.span.name}${suffix}`;
    return [line, ...sorted(node.children.map((child) => render(child, depth + 1))).flat()];
  };
  return sorted(tree.roots.map((root) => render(root, 0))).flat();
}

function sorted(blocks: string[][]): string[][] {
  return blocks.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
}
