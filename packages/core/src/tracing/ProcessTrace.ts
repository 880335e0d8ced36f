import { context as otelContext, SpanStatusCode } from '@opentelemetry/api';
import type { Context, Span, SpanContext } from '@opentelemetry/api';
import { errorType } from './errorType.js';
import { tracingAttributes, tracingEvents } from './tracingAttributes.js';
import { warnTracingFailed } from './warnTracingFailed.js';

/**
 * The `process` span of one delivery, from the first handler call to the settlement. Every
 * method is safe: none throws, and on a non-recording span none builds attributes.
 * `ProcessTrace.none` stands for "no SDK, nothing to carry": it runs handlers as they are.
 */
export class ProcessTrace {
  static readonly none = new ProcessTrace(undefined, undefined);

  private ended = false;
  private readonly recording: boolean;

  constructor(
    private readonly span: Span | undefined,
    /** The context handlers run in (the span set on the extracted context, baggage kept); undefined for `none`. */
    readonly context: Context | undefined,
  ) {
    this.recording = span?.isRecording() ?? false;
  }

  /** The span's own context, to link to; undefined for `none`. */
  get spanContext(): SpanContext | undefined {
    return this.span?.spanContext();
  }

  /** Calls `fn` inside the span's context, so what it publishes and records joins the trace. Rethrows what `fn` throws. */
  run<R>(fn: () => R): R {
    return this.context === undefined ? fn() : otelContext.with(this.context, fn);
  }

  /** A handler call threw and will be called again after `delayMs`. */
  retry(attempt: number, error: unknown, delayMs: number): void {
    if (!this.recording) return;
    try {
      this.span!.addEvent(tracingEvents.retry, {
        [tracingAttributes.attempts]: attempt,
        [tracingAttributes.retryDelayMs]: delayMs,
        'exception.type': errorType(error),
        'exception.message': errorMessage(error),
      });
    } catch (failure) {
      warnTracingFailed('recording a retry', failure);
    }
  }

  /** The delivery failed for good (it goes to the dead letters): records the exception, status ERROR. */
  fail(error: unknown, attempts: number): void {
    if (!this.recording) return;
    try {
      const span = this.span!;
      span.recordException(error instanceof Error ? error : errorMessage(error));
      span.setAttribute(tracingAttributes.errorType, errorType(error));
      span.setAttribute(tracingAttributes.attempts, attempts);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    } catch (failure) {
      warnTracingFailed('recording a failure', failure);
    }
  }

  /** The delivery goes back to the transport unfinished (the bus is stopping). */
  handedBack(): void {
    if (!this.recording) return;
    try {
      this.span!.addEvent(tracingEvents.handedBack);
    } catch (failure) {
      warnTracingFailed('recording a hand-back', failure);
    }
  }

  /** Idempotent. */
  end(): void {
    if (this.ended || this.span === undefined) return;
    this.ended = true;
    try {
      this.span.end();
    } catch (failure) {
      warnTracingFailed('ending a process span', failure);
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
