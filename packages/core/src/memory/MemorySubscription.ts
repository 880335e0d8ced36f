import { PullSubscription } from '../pull/PullSubscription.js';
import type { Settlement } from '../pull/PullDelivery.js';
import { MemoryDelivery } from './MemoryDelivery.js';
import type { MemoryGroup } from './MemoryGroup.js';

/** One consumer of a memory group: see PullSubscription for the pull window, drain and abort. */
export class MemorySubscription extends PullSubscription<MemoryDelivery, MemoryGroup> {
  protected take(at: number): MemoryDelivery | undefined {
    const offset = this.group.take();
    if (offset < 0) return undefined;
    return new MemoryDelivery(this.group.topic.at(offset)!, offset, this.group.takenCount, this, at + this.options.ackTimeoutMs);
  }

  protected release(delivery: MemoryDelivery, how: Settlement, delayMs: number): void {
    if (how === 'nack') this.group.redeliver(delivery.offset, delayMs);
    else this.group.done(delivery.offset);
  }
}
