import { PullGroup } from '../pull/PullGroup.js';
import { RedeliveryQueue } from '../pull/RedeliveryQueue.js';
import type { StartPosition } from '../transport/Transport.js';
import type { MemoryDelivery } from './MemoryDelivery.js';
import type { MemoryTopic } from './MemoryTopic.js';

/**
 * The position of one consumer group on one topic: the next new offset, records waiting to be
 * delivered again, and how often each redelivered record was delivered. Consumers of the group
 * take records from here, so they share the work.
 */
export class MemoryGroup extends PullGroup<MemoryDelivery> {
  nextOffset: number;
  /** Offsets handed back, in offset order once due. */
  private readonly redeliveries = new RedeliveryQueue<number>((a, b) => a < b);
  /** Deliveries so far, for records that were handed back at least once. */
  private readonly deliveryCounts = new Map<number, number>();
  private stopListening: () => void;
  /** The delivery count of the record last returned by take(). */
  takenCount = 1;

  constructor(
    readonly topic: MemoryTopic,
    start: StartPosition,
  ) {
    super();
    this.nextOffset = start === 'earliest' ? topic.startOffset : topic.endOffset;
    this.stopListening = topic.onAppend(() => this.wakeAll());
  }

  /** The offset of the next record to hand out (redeliveries that are due first), or -1; sets takenCount. */
  take(): number {
    const offset = this.takeDue(this.redeliveries);
    if (offset !== undefined) {
      const count = (this.deliveryCounts.get(offset) ?? 1) + 1;
      this.deliveryCounts.set(offset, count);
      this.takenCount = count;
      return offset;
    }
    if (this.nextOffset < this.topic.startOffset) this.nextOffset = this.topic.startOffset;
    if (this.nextOffset >= this.topic.endOffset) return -1;
    this.takenCount = 1;
    return this.nextOffset++;
  }

  /** Forget a settled record. */
  done(offset: number): void {
    if (this.deliveryCounts.size > 0) this.deliveryCounts.delete(offset);
  }

  /** Deliver `offset` again after `delayMs`. */
  redeliver(offset: number, delayMs: number): void {
    if (!this.deliveryCounts.has(offset)) this.deliveryCounts.set(offset, 1);
    this.handBack(this.redeliveries, offset, delayMs);
  }

  /** The lowest offset this group has not settled: records below it may be dropped. */
  lowWatermark(): number {
    let low = this.nextOffset;
    for (const offset of this.redeliveries.values()) low = Math.min(low, offset);
    for (const delivery of this.inFlight) low = Math.min(low, delivery.offset);
    return low;
  }

  override close(): void {
    this.stopListening();
    this.stopListening = () => undefined;
    super.close();
  }
}
