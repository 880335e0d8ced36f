import type { Delivery, SubscribeOptions, Subscription } from '../transport/Transport.js';
import { monotonicMs } from '../util/monotonicMs.js';
import type { DeliveryOwner, PullDelivery, Settlement } from './PullDelivery.js';
import type { PullGroup } from './PullGroup.js';

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One consumer of a group. Iterating pulls from the group, never holding more than
 * `maxInFlight` unsettled deliveries; it waits (no polling) until the group wakes it: records
 * arrive, a delivery is settled, a redelivery falls due. drain() ends the iteration and resolves
 * once every delivery handed out is settled; abort() hands the unsettled ones back at once. If
 * the group fails, the iteration ends and `closed` resolves to that error; it never rejects.
 *
 * A transport supplies take() (make the next delivery) and release() (what settling does to the
 * group); `onEnd` is called once, when the subscription has ended.
 */
export abstract class PullSubscription<D extends PullDelivery & Delivery, G extends PullGroup<D>> implements Subscription, DeliveryOwner<D> {
  private held = 0;
  private draining = false;
  private finished = false;
  private wake: (() => void) | undefined;
  private error: Error | undefined;
  /** See clock(); -1 when not read in this run. */
  private clockReading = -1;
  private readonly forgetClockReading = (): void => {
    this.clockReading = -1;
  };
  private resolveClosed!: (value: void | Error) => void;
  readonly closed: Promise<void | Error> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(
    protected readonly group: G,
    protected readonly options: SubscribeOptions,
    private readonly onEnd: () => void,
  ) {}

  /**
   * The next delivery, its deadline `at` + ackTimeoutMs, or undefined when the group has none
   * yet. Never waits. `at` is monotonicMs(), the clock of deadlines.
   */
  protected abstract take(at: number): D | undefined;

  /** What settling does to the group: hand the record back on nack, let it go otherwise. */
  protected abstract release(delivery: D, how: Settlement, delayMs: number): void;

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return { next: () => this.next(), return: async () => (await this.drain(), done) };
  }

  private async next(): Promise<IteratorResult<Delivery, undefined>> {
    for (;;) {
      if (this.draining) return done;
      const delivery = this.poll();
      if (delivery) return { done: false, value: delivery };
      if (this.group.failure) {
        this.error = this.group.failure;
        void this.drain();
        return done;
      }
      await this.sleep();
    }
  }

  poll(): D | undefined {
    if (this.draining || this.group.failure || this.held >= this.options.maxInFlight) return undefined;
    const delivery = this.take(this.clock());
    if (delivery) {
      this.held++;
      this.group.inFlight.add(delivery);
    }
    return delivery;
  }

  /**
   * monotonicMs(), read once per synchronous run: a consumer polls for each delivery of a burst,
   * and each clock read costs about 45 ns here. Within one run the reading can only be older than
   * the truth, so a deadline falls due early (by the run's length), never late.
   */
  private clock(): number {
    if (this.clockReading < 0) {
      this.clockReading = monotonicMs();
      queueMicrotask(this.forgetClockReading);
    }
    return this.clockReading;
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const stop = this.group.waitForWork(() => this.wake?.());
      this.wake = () => {
        this.wake = undefined;
        stop();
        resolve();
      };
    });
  }

  settle(delivery: D, how: Settlement, delayMs: number): void {
    if (delivery.settled) return;
    delivery.settled = true;
    this.held--;
    this.group.inFlight.delete(delivery);
    this.release(delivery, how, delayMs);
    this.wake?.();
    if (this.draining && this.held === 0) this.finish();
  }

  touch(delivery: D): void {
    if (!delivery.settled) delivery.deadline = monotonicMs() + this.options.ackTimeoutMs;
  }

  drain(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.wake?.();
      if (this.held === 0) this.finish();
    }
    return this.closed.then(() => undefined);
  }

  /** Ends at once: unsettled deliveries go back to the group for redelivery. */
  abort(): void {
    this.draining = true;
    for (const delivery of [...this.group.inFlight]) if (delivery.owner === this) this.settle(delivery, 'nack', 0);
    this.wake?.();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onEnd();
    this.resolveClosed(this.error);
  }
}
