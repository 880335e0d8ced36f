import { HopbusError } from '@hopbus/core';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FlowEdge } from './FlowEdge.js';
import { flowEdges } from './flowEdges.js';
import { flowEdgesToMermaid } from './flowEdgesToMermaid.js';
import { flowGraphToHtml } from './flowGraphToHtml.js';
import type { FlowHtmlOptions } from './flowGraphToHtml.js';
import type { FlowSpan } from './FlowSpan.js';
import { flowSpanOf } from './flowSpanOf.js';
import { flowSpansFromOtlp } from './flowSpansFromOtlp.js';
import type { OtlpJson } from './OtlpJson.js';
import { renderTraceWaterfall } from './renderTraceWaterfall.js';
import type { WaterfallOptions } from './renderTraceWaterfall.js';
import { traceTrees } from './traceTrees.js';
import type { TraceTree } from './TraceTree.js';

export interface FlowGraphOptions {
  /** Spans kept at most; past it the oldest are forgotten (default 100,000). */
  readonly maxSpans?: number;
}

/**
 * The message flow seen in traces: services (actors) → topics → services, with message
 * counts, error counts and latency per edge; and every trace, to draw one. Fed with spans
 * live (`spanProcessor()`), from the SDK's spans, or from an OTLP/JSON file.
 */
export class FlowGraph {
  private readonly spans = new Map<string, FlowSpan>();
  private readonly maxSpans: number;

  constructor(options: FlowGraphOptions = {}) {
    this.maxSpans = options.maxSpans ?? 100_000;
  }

  static fromSpans(spans: Iterable<FlowSpan>, options?: FlowGraphOptions): FlowGraph {
    const graph = new FlowGraph(options);
    for (const span of spans) graph.add(span);
    return graph;
  }

  /** From OTLP/JSON trace data (parsed, or the text of a file). Throws when it is not OTLP/JSON. */
  static fromOtlp(input: string | OtlpJson | readonly OtlpJson[], options?: FlowGraphOptions): FlowGraph {
    return FlowGraph.fromSpans(flowSpansFromOtlp(input), options);
  }

  /** Adds a finished span; the same span added twice counts once. */
  add(span: FlowSpan): void {
    const key = `${span.traceId}/${span.spanId}`;
    this.spans.delete(key);
    this.spans.set(key, span);
    if (this.spans.size > this.maxSpans) this.spans.delete(this.spans.keys().next().value!);
  }

  /** A SpanProcessor feeding this graph with every span the SDK ends: register it with the tracer provider. */
  spanProcessor(): SpanProcessor {
    return {
      onStart: (_span: Span, _parentContext: Context): void => undefined,
      onEnd: (span: ReadableSpan): void => this.add(flowSpanOf(span)),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  }

  /** Every span held, in the order added. */
  allSpans(): FlowSpan[] {
    return [...this.spans.values()];
  }

  edges(): FlowEdge[] {
    return flowEdges(this.spans.values());
  }

  services(): string[] {
    return this.names('service');
  }

  topics(): string[] {
    return this.names('topic');
  }

  /** Every trace, ordered by first start. */
  traces(): TraceTree[] {
    return traceTrees(this.spans.values());
  }

  /** One trace; undefined when no span of it is held. */
  trace(traceId: string): TraceTree | undefined {
    const id = traceId.toLowerCase();
    return traceTrees([...this.spans.values()].filter((span) => span.traceId === id))[0];
  }

  toMermaid(): string {
    return flowEdgesToMermaid(this.edges());
  }

  /** The terminal waterfall of one trace. Throws when the trace is unknown. */
  renderTrace(traceId: string, options?: WaterfallOptions): string {
    const tree = this.trace(traceId);
    if (!tree) throw new HopbusError('not_found', `No span of trace ${traceId} is here; the traces are listed without --trace.`);
    return renderTraceWaterfall(tree, options);
  }

  toHtml(options?: FlowHtmlOptions): string {
    return flowGraphToHtml(this.edges(), this.traces(), options);
  }

  private names(kind: 'service' | 'topic'): string[] {
    const names = new Set<string>();
    for (const edge of this.edges()) for (const node of [edge.from, edge.to]) if (node.kind === kind) names.add(node.name);
    return [...names].sort();
  }
}
