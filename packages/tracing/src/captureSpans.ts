import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FlowSpan } from './FlowSpan.js';
import { flowSpanOf } from './flowSpanOf.js';
import { traceTrees } from './traceTrees.js';
import type { TraceTree } from './TraceTree.js';

export interface CaptureSpansOptions {
  /** Default: every span is sampled. */
  readonly sampler?: Sampler;
  /** More processors next to the capturing one (a `FlowGraph.spanProcessor()`, an exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** What `captureSpans()` returns. */
export interface SpanCapture {
  readonly provider: BasicTracerProvider;
  /** The finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** The finished spans as plain data. */
  flowSpans(): FlowSpan[];
  /** The finished spans as one tree per trace, ordered by first start. */
  traces(): TraceTree[];
  /** Forgets the spans finished so far. */
  reset(): void;
  /** Shuts the SDK down and unregisters the global tracer provider, context manager and propagator. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * A real OpenTelemetry SDK for tests, registered globally: a BasicTracerProvider whose spans
 * go through a SimpleSpanProcessor into memory, AsyncLocalStorage context, and the W3C
 * trace-context and baggage propagators. Replaces whatever was registered before; create the
 * buses under test after calling it.
 */
export function captureSpans(options: CaptureSpansOptions = {}): SpanCapture {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [new SimpleSpanProcessor(exporter), ...(options.spanProcessors ?? [])],
  });
  unregisterGlobals();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  let shutdown: Promise<void> | undefined;
  return {
    provider,
    spans: () => exporter.getFinishedSpans(),
    flowSpans: () => exporter.getFinishedSpans().map(flowSpanOf),
    traces: () => traceTrees(exporter.getFinishedSpans().map(flowSpanOf)),
    reset: () => exporter.reset(),
    shutdown: () =>
      (shutdown ??= provider.shutdown().finally(() => {
        contextManager.disable();
        unregisterGlobals();
      })),
  };
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}
