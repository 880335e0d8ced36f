import { TraceFlags } from '@opentelemetry/api';
import type { Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';

/** A span method a double can be told to throw from. */
export type SpanStep = 'isRecording' | 'setAttribute' | 'recordException' | 'setStatus' | 'end';

export interface SpanDouble extends Span {
  /** The methods called, in order (spanContext left out). */
  readonly calls: string[];
}

const sampled: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

/** A span that records its calls and throws from the steps in `throwsAt`. */
export function spanDouble({ recording = true, throwsAt = [] }: { recording?: boolean; throwsAt?: readonly SpanStep[] } = {}): SpanDouble {
  const calls: string[] = [];
  const step = (name: string): void => {
    calls.push(name);
    if ((throwsAt as readonly string[]).includes(name)) throw new Error(`${name} broke`);
  };
  const span: SpanDouble = {
    calls,
    spanContext: () => sampled,
    isRecording: () => (step('isRecording'), recording),
    setAttribute: () => (step('setAttribute'), span),
    setAttributes: () => (step('setAttributes'), span),
    addEvent: () => (step('addEvent'), span),
    addLink: () => (step('addLink'), span),
    addLinks: () => (step('addLinks'), span),
    setStatus: () => (step('setStatus'), span),
    updateName: () => (step('updateName'), span),
    recordException: () => step('recordException'),
    end: () => step('end'),
  };
  return span;
}

/** A provider whose tracer hands out `next()` for every span, or throws when `next` does. */
export function providerOf(next: () => Span): TracerProvider {
  const tracer = { startSpan: () => next() } as unknown as Tracer;
  return { getTracer: () => tracer };
}
