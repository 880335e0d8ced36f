import { SpanStatusCode } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { errorType } from './errorType.js';
import { tracingAttributes as a } from './tracingAttributes.js';
import { warnTracingFailed } from './warnTracingFailed.js';

/** Ends a publish span; never throws. */
export function endSafely(span: Span): void {
  try {
    span.end();
  } catch (error) {
    warnTracingFailed('ending a publish span', error);
  }
}

/** Records `error` on a publish span (exception, error type, status ERROR), then ends it; never throws. */
export function failSafely(span: Span, error: unknown): void {
  try {
    if (span.isRecording()) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setAttribute(a.errorType, errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
  } catch (failure) {
    warnTracingFailed('recording a publish failure', failure);
  }
  endSafely(span);
}
