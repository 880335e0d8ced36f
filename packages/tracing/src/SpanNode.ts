import type { FlowSpan } from './FlowSpan.js';

/** A span with its children, ordered by start time. */
export interface SpanNode {
  readonly span: FlowSpan;
  readonly children: readonly SpanNode[];
}
