import type { DeliveryContext } from '../runtime/DeliveryContext.js';
import type { PublishTrace } from '../tracing/PublishTrace.js';
import type { OutgoingRecord } from '../transport/Transport.js';

/** One publish() call of a turn: its records once made (validation may answer later), and its span. */
interface HeldCall {
  records: readonly OutgoingRecord[] | undefined;
  readonly trace: PublishTrace | undefined;
}

/**
 * What a keyed actor's turn publishes, held until the turn commits: in call order, each call
 * with its own span, sent only with the commit. A call that fails to make its records (an invalid
 * payload) fails the turn, awaited or not.
 */
export class HeldTurn {
  private readonly calls: HeldCall[] = [];
  private readonly pending: Promise<void>[] = [];
  /** Set by ctx.deleteState(): the turn commits the state as deleted. */
  deletesState = false;

  /** `cause`: the message the turn handles, the cause of what it publishes. */
  constructor(readonly cause: DeliveryContext) {}

  /** Holds the records of one call; resolves once they are held, rejects when they cannot be made. */
  hold(made: readonly OutgoingRecord[] | Promise<readonly OutgoingRecord[]>, trace: PublishTrace | undefined): Promise<void> {
    const call: HeldCall = { records: undefined, trace };
    this.calls.push(call);
    if (!(made instanceof Promise)) {
      call.records = trace === undefined ? made : made.map((record) => trace.carry(record));
      return Promise.resolve();
    }
    const held = made.then((records) => {
      call.records = trace === undefined ? records : records.map((record) => trace.carry(record));
    });
    this.pending.push(held);
    // records() reports the failure; a caller that did not await the call must not crash the process with it.
    held.catch(() => undefined);
    return held;
  }

  /** Every held record in call order, once each call has its records; rejects with the first call that failed. */
  async records(): Promise<OutgoingRecord[]> {
    for (let settled = 0; settled < this.pending.length; settled++) await this.pending[settled];
    const records: OutgoingRecord[] = [];
    for (const call of this.calls) records.push(...call.records!);
    return records;
  }

  /** The commit succeeded: each call's span ends. */
  committed(): void {
    for (const call of this.calls) call.trace?.end();
  }

  /** The turn did not commit: each call's span records why. */
  failed(error: unknown): void {
    for (const call of this.calls) call.trace?.fail(error);
  }
}
