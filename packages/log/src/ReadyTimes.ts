import { RedeliveryQueue } from '@hopbus/core';

/** Added as due from the start, so that take() returns the smallest time held. */
const always = Number.NEGATIVE_INFINITY;

/**
 * The times at which a group's redeliveries fall due, to answer "when is the next one due?" in
 * O(log n). RedeliveryQueue does not tell the earliest time of its waiting items, so this keeps
 * the times beside it, in a RedeliveryQueue used as a plain priority queue (every entry due at
 * once: take() pops the smallest). Times at or before `now` are dropped lazily by
 * earliestAfter(now); a time may outlive its redelivery (taken early after a clock step), which
 * only costs a wake-up that finds nothing.
 */
export class ReadyTimes {
  private readonly times = new RedeliveryQueue<number>((a, b) => a < b);

  add(readyAt: number): void {
    this.times.add(readyAt, always);
  }

  /** The earliest time held that is after `now`, or undefined; drops the times up to `now`. */
  earliestAfter(now: number): number | undefined {
    for (let at = this.times.take(always); at !== undefined; at = this.times.take(always)) {
      if (at > now) {
        this.times.add(at, always);
        return at;
      }
    }
    return undefined;
  }

  clear(): void {
    this.times.clear();
  }
}
