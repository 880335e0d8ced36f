import { monotonicMs } from '../util/monotonicMs.js';
import { InFlightList } from './InFlightList.js';
import type { PullDelivery } from './PullDelivery.js';
import type { RedeliveryQueue } from './RedeliveryQueue.js';

/**
 * What the consumers of one group share, whatever holds the records: the deliveries handed out
 * and not yet settled, the consumers waiting for work and the timers that wake them. A
 * transport's group extends it, calls wakeAll() when records arrive, and keeps records handed
 * back in a RedeliveryQueue through handBack() and takeDue(), which wake the consumers when the
 * next one falls due. Timers are unref'd: they never keep the process alive.
 */
export class PullGroup<D extends PullDelivery> {
  /** Handed out by any consumer of the group, not yet settled. */
  readonly inFlight = new InFlightList<D>();
  /** Set when the group cannot go on (a corrupt read, say): its subscriptions end, `closed` resolving to it. */
  failure: Error | undefined;
  private readonly waiters = new Set<() => void>();
  /** One timer for the earliest redelivery still waiting (see wakeAt). */
  private redeliveryTimer: NodeJS.Timeout | undefined;
  private redeliveryTimerAt = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  /** Calls `wake` on every wakeAll() until the returned function is called. */
  waitForWork(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  wakeAll(): void {
    for (const wake of this.waiters) wake();
  }

  /** Puts `item` in `queue`, due after `delayMs` (monotonicMs()), and wakes the consumers when it is. */
  protected handBack<T>(queue: RedeliveryQueue<T>, item: T, delayMs: number): void {
    const readyAt = monotonicMs() + delayMs;
    queue.add(item, readyAt);
    if (delayMs <= 0) this.wakeAll();
    else this.wakeAt(readyAt);
  }

  /** The first item of `queue` that is due, taken out, or undefined; arms the wake-up for the next one still waiting. */
  protected takeDue<T>(queue: RedeliveryQueue<T>): T | undefined {
    if (queue.size === 0) return undefined;
    const due = queue.take(monotonicMs());
    const next = queue.nextReadyAt();
    if (next !== undefined) this.wakeAt(next);
    return due;
  }

  /**
   * Wakes the consumers once monotonicMs() reaches `at`; one timer at a time, the earliest.
   * Timers keep their own rounded time of the loop, so one may fire a millisecond before `at`:
   * takeDue() then finds nothing due and arms it again (without that, a consumer slept through
   * a redelivery until something else woke it).
   */
  private wakeAt(at: number): void {
    if (this.redeliveryTimer && this.redeliveryTimerAt <= at) return;
    clearTimeout(this.redeliveryTimer);
    this.redeliveryTimerAt = at;
    this.redeliveryTimer = setTimeout(() => {
      this.redeliveryTimer = undefined;
      this.wakeAll();
    }, Math.max(1, at - monotonicMs()));
    this.redeliveryTimer.unref();
  }

  /** Checks ack timeouts every `intervalMs` (one timer per group, none per delivery). */
  startSweeping(intervalMs: number, onExpired: (delivery: D) => void): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      const at = monotonicMs();
      for (const delivery of this.inFlight) if (delivery.deadline <= at) onExpired(delivery);
    }, intervalMs);
    this.sweepTimer.unref();
  }

  /** Stops the timers and wakes every waiting consumer, so that it sees the end. */
  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    clearTimeout(this.redeliveryTimer);
    this.redeliveryTimer = undefined;
    this.wakeAll();
  }
}
