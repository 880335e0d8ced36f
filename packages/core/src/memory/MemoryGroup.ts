import type { StartPosition } from '../transport/Transport.js';
import type { MemoryDelivery } from './MemoryDelivery.js';
import type { MemoryTopic } from './MemoryTopic.js';
import type { StoredRecord } from './StoredRecord.js';

interface PendingRedelivery {
  readonly offset: number;
  readonly readyAt: number;
}

/**
 * The position of one consumer group on one topic: the next new offset, records waiting to be
 * delivered again, and how often each unsettled record was delivered. Consumers of the group
 * take records from here, so they share the work.
 */
export class MemoryGroup {
  nextOffset: number;
  private readonly redeliveries: PendingRedelivery[] = [];
  private readonly deliveryCounts = new Map<number, number>();
  readonly inFlight = new Set<MemoryDelivery>();
  private readonly waiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopListening: () => void;

  constructor(
    readonly topic: MemoryTopic,
    start: StartPosition,
  ) {
    this.nextOffset = start === 'earliest' ? topic.startOffset : topic.endOffset;
    this.stopListening = topic.onAppend(() => this.wakeAll());
  }

  /** The next record to hand out, and its delivery count; redeliveries that are due come first. */
  take(now: number): { record: StoredRecord; deliveryCount: number } | undefined {
    for (let i = 0; i < this.redeliveries.length; i++) {
      const pending = this.redeliveries[i]!;
      if (pending.readyAt > now) continue;
      this.redeliveries.splice(i, 1);
      const record = this.topic.at(pending.offset);
      if (!record) continue; // trimmed: cannot happen while unsettled, kept for safety
      const deliveryCount = (this.deliveryCounts.get(pending.offset) ?? 0) + 1;
      this.deliveryCounts.set(pending.offset, deliveryCount);
      return { record, deliveryCount };
    }
    if (this.nextOffset < this.topic.startOffset) this.nextOffset = this.topic.startOffset;
    if (this.nextOffset >= this.topic.endOffset) return undefined;
    const record = this.topic.at(this.nextOffset)!;
    this.nextOffset++;
    this.deliveryCounts.set(record.offset, 1);
    return { record, deliveryCount: 1 };
  }

  /** Forget a settled record. */
  done(offset: number): void {
    this.deliveryCounts.delete(offset);
  }

  /** Deliver `offset` again after `delayMs`. */
  redeliver(offset: number, delayMs: number): void {
    this.redeliveries.push({ offset, readyAt: Date.now() + delayMs });
    this.redeliveries.sort((a, b) => a.offset - b.offset);
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

  /** The lowest offset this group has not settled: records below it may be dropped. */
  lowWatermark(): number {
    let low = this.nextOffset;
    for (const pending of this.redeliveries) low = Math.min(low, pending.offset);
    for (const delivery of this.inFlight) low = Math.min(low, delivery.offset);
    return low;
  }

  waitForWork(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  wakeAll(): void {
    for (const wake of this.waiters) wake();
  }

  /** Checks ack timeouts every `intervalMs` while the group has deliveries out. */
  startSweeping(intervalMs: number, onExpired: (delivery: MemoryDelivery) => void): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      const now = Date.now();
      for (const delivery of this.inFlight) if (delivery.deadline <= now) onExpired(delivery);
    }, intervalMs);
    this.sweepTimer.unref();
  }

  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stopListening();
    this.stopListening = () => undefined;
    this.wakeAll();
  }
}
