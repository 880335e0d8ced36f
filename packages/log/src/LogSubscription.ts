import { PullSubscription } from '@hopbus/core';
import type { Settlement } from '@hopbus/core';
import { LogDelivery } from './LogDelivery.js';
import type { LogGroup } from './LogGroup.js';

/**
 * One consumer of a log group: see PullSubscription for the pull window, drain and abort. It is
 * woken by an append, a finished read, a settle or a due redelivery; if the group fails (a
 * corrupt batch), the iteration ends and `closed` resolves to that error.
 */
export class LogSubscription extends PullSubscription<LogDelivery, LogGroup> {
  protected take(at: number): LogDelivery | undefined {
    // LogGroup keeps redelivery times on Date.now(); `at` is the clock of ack deadlines.
    const taken = this.group.take(Date.now());
    if (!taken) return undefined;
    return new LogDelivery(taken.record, taken.deliveryCount, this.group.generation, this, at + this.options.ackTimeoutMs);
  }

  protected release(delivery: LogDelivery, how: Settlement, delayMs: number): void {
    if (how === 'nack') this.group.redeliver(delivery, Math.max(0, delayMs));
    else this.group.settled(delivery);
  }
}
