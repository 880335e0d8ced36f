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
    const deadline = at + this.options.ackTimeoutMs;
    const due = this.group.takeRedelivery();
    if (due) return new LogDelivery(due.record, due.deliveryCount + 1, this.group.generation, this, deadline);
    const record = this.group.takeNext();
    return record && new LogDelivery(record, this.group.firstDeliveryCount(record), this.group.generation, this, deadline);
  }

  protected release(delivery: LogDelivery, how: Settlement, delayMs: number): void {
    if (how === 'nack') this.group.redeliver(delivery, Math.max(0, delayMs));
    else this.group.settled(delivery);
  }
}
