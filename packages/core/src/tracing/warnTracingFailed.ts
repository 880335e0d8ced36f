import { diag } from '@opentelemetry/api';

/** Tracing never throws into a publish or a handler: what goes wrong in it becomes a `diag.warn`. */
export function warnTracingFailed(what: string, error: unknown): void {
  try {
    diag.warn(`hopbus: tracing failed while ${what}; the message goes on untraced.`, error instanceof Error ? error.message : String(error));
  } catch {
    // A diag logger that throws is ignored too.
  }
}
