import { propagation } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import type { OutgoingRecord } from '../transport/Transport.js';
import { setPublishAttributes } from './publishSpanAttributes.js';
import { recordWithContext } from './recordsWithContext.js';
import { endSafely, failSafely } from './spanOutcome.js';
import { warnTracingFailed } from './warnTracingFailed.js';

/**
 * The `publish <topic>` span of one publish() call that waits to be sent with the other calls of
 * its turn (see PublishGathering): opened in the caller's context when the call is made, given
 * its record once the gathering makes it, ended with the outcome of the transport call that sent
 * it. Every method is safe: none throws.
 */
export class PublishTrace {
  private ended = false;

  constructor(
    private readonly span: Span,
    /** The caller's context with the span set: what goes into the record's headers. */
    private readonly context: Context,
    private readonly system: string,
  ) {}

  /** `record` with the span's attributes set from it and the span's context in its headers; `record` itself when that fails. */
  carry(record: OutgoingRecord): OutgoingRecord {
    try {
      if (this.span.isRecording()) setPublishAttributes(this.span, this.system, record, 1);
      const carrier: Record<string, string> = {};
      propagation.inject(this.context, carrier);
      return recordWithContext(record, carrier, propagation.fields());
    } catch (error) {
      warnTracingFailed('carrying a publish span', error);
      return record;
    }
  }

  /** The call succeeded: ends the span. Only the first of end() and fail() counts. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    endSafely(this.span);
  }

  /** The call failed with `error`: records it and ends the span. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    failSafely(this.span, error);
  }
}
