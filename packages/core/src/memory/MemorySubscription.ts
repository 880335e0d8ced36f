import type { Delivery, SubscribeOptions, Subscription } from '../transport/Transport.js';
import { now } from '../util/now.js';
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
  private held = 0;
  private draining = false;
  private finished = false;
  private wake: (() => void) | undefined;
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
      if (this.held < this.options.maxInFlight) {
        const at = now();
        const offset = this.group.take(at);
        if (offset >= 0) {
          const record = this.group.topic.at(offset)!;
          const delivery = new MemoryDelivery(record, offset, this.group.takenCount, this, at + this.options.ackTimeoutMs);
          this.held++;
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
    this.held--;
    this.group.inFlight.delete(delivery);
    if (how === 'nack') this.group.redeliver(delivery.offset, delayMs);
    else this.group.done(delivery.offset);
    this.wake?.();
    if (this.draining && this.held === 0) this.finish();
  }

  touch(delivery: MemoryDelivery): void {
    if (!delivery.settled) delivery.deadline = now() + this.options.ackTimeoutMs;
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
    this.onEnd(this);
    this.resolveClosed();
  }
}
