import type { Delivery, SubscribeOptions, Subscription } from '@hopbus/core';
import { LogDelivery } from './LogDelivery.js';
import type { LogDeliveryOwner, Settlement } from './LogDelivery.js';
import type { LogGroup } from './LogGroup.js';

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One consumer of a group. Iterating pulls from the group, never holding more than
 * `maxInFlight` unsettled deliveries; it waits (no polling) until an append, a finished read, a
 * settle or a due redelivery wakes it. If the group fails (a corrupt batch), the iteration ends
 * and `closed` resolves to that error.
 */
export class LogSubscription implements Subscription, LogDeliveryOwner {
  private readonly mine = new Set<LogDelivery>();
  private draining = false;
  private wake: (() => void) | undefined;
  private finished = false;
  private error: Error | undefined;
  private resolveClosed!: (value: void | Error) => void;
  readonly closed: Promise<void | Error> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly group: LogGroup,
    private readonly options: SubscribeOptions,
    private readonly onEnd: (subscription: LogSubscription) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return { next: () => this.next(), return: async () => (await this.drain(), done) };
  }

  private async next(): Promise<IteratorResult<Delivery, undefined>> {
    for (;;) {
      if (this.draining) return done;
      if (this.group.failure) {
        this.error = this.group.failure;
        void this.drain();
        return done;
      }
      if (this.mine.size < this.options.maxInFlight) {
        const taken = this.group.take(Date.now());
        if (taken) {
          const delivery = new LogDelivery(taken.record, taken.deliveryCount, this.group.generation, this, this.options.ackTimeoutMs);
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

  settle(delivery: LogDelivery, how: Settlement, delayMs: number): void {
    if (delivery.settled) return;
    delivery.settled = true;
    this.mine.delete(delivery);
    this.group.inFlight.delete(delivery);
    if (how === 'nack') this.group.redeliver(delivery, Math.max(0, delayMs));
    else this.group.settled(delivery);
    this.wake?.();
    if (this.draining && this.mine.size === 0) this.finish();
  }

  touch(delivery: LogDelivery): void {
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
    if (this.finished) return;
    this.finished = true;
    this.onEnd(this);
    this.resolveClosed(this.error);
  }
}
