import { tracingAttributes as attr } from '@hopbus/core';
import { formatMs } from './formatMs.js';
import type { SpanNode } from './SpanNode.js';
import type { TraceTree } from './TraceTree.js';

export interface WaterfallOptions {
  /** Columns of the bar (default 40). */
  readonly barWidth?: number;
  /** Print span events (retries, exceptions) under their span (default true). */
  readonly events?: boolean;
}

/**
 * One trace for a terminal: a tree of spans, each with its duration and a bar placing it in
 * the trace's time; `✗` marks a span with status ERROR; events follow their span, with their
 * offset from the span's start.
 */
export function renderTraceWaterfall(tree: TraceTree, options: WaterfallOptions = {}): string {
  const barWidth = options.barWidth ?? 40;
  const total = Math.max(tree.durationMs, 1e-6);
  const rows: { label: string; duration: string; bar: string }[] = [];
  const extra = new Map<number, string[]>();
  const visit = (node: SpanNode, prefix: string, childPrefix: string): void => {
    const { span } = node;
    const actor = span.kind === 'consumer' ? span.attributes[attr.actor] : undefined;
    const label = `${prefix}${span.name}${actor !== undefined ? ` [${String(actor)}]` : ''}${span.status === 'error' ? ' ✗' : ''}`;
    const start = Math.min(barWidth - 1, Math.floor(((span.startMs - tree.startMs) / total) * barWidth));
    const length = Math.max(1, Math.min(barWidth - start, Math.round((span.durationMs / total) * barWidth)));
    rows.push({ label, duration: formatMs(span.durationMs), bar: `${' '.repeat(start)}${'█'.repeat(length)}`.padEnd(barWidth) });
    if (options.events !== false && span.events.length > 0) {
      extra.set(
        rows.length - 1,
        span.events.map((event) => {
          const detail = event.attributes['exception.message'] ?? event.attributes[attr.attempts];
          return `${childPrefix}  · ${event.name}${detail !== undefined ? `: ${String(detail)}` : ''} (+${formatMs(event.timeMs - span.startMs)})`;
        }),
      );
    }
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      visit(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  for (const root of tree.roots) visit(root, '', '');
  const labelWidth = Math.max(...rows.map((row) => [...row.label].length), 10);
  const durationWidth = Math.max(...rows.map((row) => row.duration.length));
  const header = `trace ${tree.traceId} · ${tree.size} ${tree.size === 1 ? 'span' : 'spans'} · ${formatMs(tree.durationMs)}${tree.errors > 0 ? ` · ${tree.errors} ${tree.errors === 1 ? 'error' : 'errors'}` : ''}`;
  const lines = [header];
  rows.forEach((row, index) => {
    lines.push(`${row.label}${' '.repeat(labelWidth - [...row.label].length)}  ${row.duration.padStart(durationWidth)}  ▕${row.bar}▏`);
    for (const line of extra.get(index) ?? []) lines.push(line);
  });
  return `${lines.join('\n')}\n`;
}
