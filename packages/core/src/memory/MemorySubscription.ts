import type { Delivery, SubscribeOptions, Subscription } from '../transport/Transport.js';
import { MemoryDelivery } from './MemoryDelivery.js';
import type { DeliveryOwner, Settlement } from './MemoryDelivery.js';
import type { MemoryGroup } from './MemoryGroup.js';

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One consumer of a group. Iterating pulls from the group, never holding more than
 * `maxInFlight` unsettled deliveries; it waits (without polling) for records, for a settle or
 * for a redelivery that falls due.
 */
export class MemorySubscription implements Subscription, DeliveryOwner {
  private readonly mine = new Set<MemoryDelivery>();
  private draining = false;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private resolveClosed!: (value: void | Error) => void;
  readonly closed: Promise<void | Error> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly group: MemoryGroup,
    private readonly options: SubscribeOptions,
    private readonly onEnd: (subscription: MemorySubscription) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return { next: () => this.next(), return: async () => (await this.drain(), done) };
  }

  private async next(): Promise<IteratorResult<Delivery, undefined>> {
    for (;;) {
      if (this.draining) return done;
      if (this.mine.size < this.options.maxInFlight) {
        const taken = this.group.take(Date.now());
        if (taken) {
          const delivery = new MemoryDelivery(taken.record, taken.deliveryCount, this, this.options.ackTimeoutMs);
          this.mine.add(delivery);
          this.group.inFlight.add(delivery);
          return { done: false, value: delivery };
        }
      }
      await this.sleep();
    }
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

  settle(delivery: MemoryDelivery, how: Settlement, delayMs: number): void {
    if (delivery.settled) return;
    delivery.settled = true;
    this.mine.delete(delivery);
    this.group.inFlight.delete(delivery);
    if (how === 'nack') this.group.redeliver(delivery.offset, delayMs);
    else this.group.done(delivery.offset);
    this.wake?.();
    if (this.draining && this.mine.size === 0) this.finish();
  }

  touch(delivery: MemoryDelivery): void {
    if (!delivery.settled) delivery.deadline = Date.now() + this.options.ackTimeoutMs;
  }

  drain(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.wake?.();
      if (this.mine.size === 0) this.finish();
    }
    return this.closed.then(() => undefined);
  }

  /** Ends at once: unsettled deliveries go back to the group for redelivery. */
  abort(): void {
    this.draining = true;
    for (const delivery of [...this.mine]) this.settle(delivery, 'nack', 0);
    this.wake?.();
    this.finish();
  }

  private finish(): void {
    if (this.drained) return;
    this.drained = () => undefined;
    this.onEnd(this);
    this.resolveClosed();
  }
}
