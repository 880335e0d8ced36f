import type { SpanNode } from './SpanNode.js';

/** One trace as a tree: its roots (one, unless spans are missing), ordered by start time. */
export interface TraceTree {
  readonly traceId: string;
  readonly roots: readonly SpanNode[];
  /** Spans in the trace. */
  readonly size: number;
  readonly startMs: number;
  /** From the first start to the last end. */
  readonly durationMs: number;
  readonly errors: number;
}
