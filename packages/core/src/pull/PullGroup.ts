import { monotonicMs } from '../util/monotonicMs.js';
import { InFlightList } from './InFlightList.js';
import type { PullDelivery } from './PullDelivery.js';

/**
 * What the consumers of one group share, whatever holds the records: the deliveries handed out
 * and not yet settled, the consumers waiting for work and the timers that wake them. A
 * transport's group extends it and calls wakeAll() when records arrive, wakeAfter() when a
 * redelivery falls due later. Timers are unref'd: they never keep the process alive.
 */
export class PullGroup<D extends PullDelivery> {
  /** Handed out by any consumer of the group, not yet settled. */
  readonly inFlight = new InFlightList<D>();
  /** Set when the group cannot go on (a corrupt read, say): its subscriptions end, `closed` resolving to it. */
  failure: Error | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweepTimer: NodeJS.Timeout | undefined;

  /** Calls `wake` on every wakeAll() until the returned function is called. */
  waitForWork(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  wakeAll(): void {
    for (const wake of this.waiters) wake();
  }

  /** wakeAll() now when `delayMs` <= 0, else once after `delayMs`. */
  wakeAfter(delayMs: number): void {
    if (delayMs <= 0) {
      this.wakeAll();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wakeAll();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wakeAll();
  }
}
