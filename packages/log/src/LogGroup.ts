import { PullGroup, RedeliveryQueue } from '@hopbus/core';
import type { CrashLoopGuard } from './CrashLoopGuard.js';
import { newGroupEpoch } from './groupOffsetsFile.js';
import type { LogDelivery } from './LogDelivery.js';
import type { LogPartition } from './LogPartition.js';
import type { LogRecord } from './LogRecord.js';
import type { LogTopic } from './LogTopic.js';
import type { StoredRecord } from './StoredRecord.js';

/** One partition as seen by a group. */
interface PartitionCursor {
  readonly partition: LogPartition;
  /** Every offset below is settled: the position to persist. */
  committed: number;
  /** Next offset to read from disk, and the byte position of its batch when known (-1 if not). */
  fetchOffset: number;
  position: number;
  /** Fetched, not yet handed out, from `head` on. */
  buffer: LogRecord[];
  head: number;
  /** Settled offsets above `committed` (acks may come out of order). */
  readonly settled: Set<number>;
  /** Offsets with no record (removed by retention or a repair): start → end. */
  readonly gaps: Map<number, number>;
  fetching: boolean;
}

export interface PendingRedelivery {
  readonly record: LogRecord;
  readonly deliveryCount: number;
}

/**
 * The position of one consumer group on one topic, shared by every subscription of the group
 * in this process: they take records from here, so the group's work is split with no loss and
 * no duplicates. Per partition it reads ahead one chunk (fetchBytes) at a time, which bounds
 * memory whatever the backlog; commits the highest contiguous settled offset; keeps nacked and
 * timed-out records for redelivery. Delivery order is partition order, except redeliveries,
 * which come first once due.
 */
export class LogGroup extends PullGroup<LogDelivery> {
  private readonly cursors: PartitionCursor[];
  private nextCursor = 0;
  /** Handed back, in partition and offset order once due; O(log n) a record, so a consumer that stops with thousands in flight hands them back cheaply. */
  private readonly redeliveries = new RedeliveryQueue<PendingRedelivery>(
    (a, b) => a.record.partition < b.record.partition || (a.record.partition === b.record.partition && a.record.offset < b.record.offset),
  );
  private readonly stopListening: (() => void)[] = [];
  /** Bumped by reset(): settles of older deliveries no longer count. */
  generation = 0;
  /** Set when the committed position moved since it was last persisted. */
  dirty = false;
  /** The epoch of the group's offsets (see GroupOffsets): kept by commits, new after reset(). */
  epoch: string;
  /** Counts deliveries across restarts (see CrashLoopGuard); set by the transport once opened. */
  guard: CrashLoopGuard | undefined;

  constructor(
    readonly topic: LogTopic,
    readonly name: string,
    committed: readonly number[],
    epoch: string,
    private readonly fetchBytes: number,
  ) {
    super();
    this.epoch = epoch;
    this.cursors = topic.partitions.map((partition, i) => {
      const offset = clamp(committed[i] ?? partition.startOffset, partition);
      return { partition, committed: offset, fetchOffset: offset, position: -1, buffer: [], head: 0, settled: new Set(), gaps: new Map(), fetching: false };
    });
    for (const partition of topic.partitions) this.stopListening.push(partition.onAppend(() => this.wakeAll()));
  }

  /** Per partition, the next offset to consume after a restart. */
  committedOffsets(): number[] {
    return this.cursors.map((c) => c.committed);
  }

  /**
   * The first redelivery that is due (kept in partition and offset order), taken out of the
   * queue; undefined when none is. Redeliveries go before new records.
   */
  takeRedelivery(): PendingRedelivery | undefined {
    return this.takeDue(this.redeliveries);
  }

  /** Records handed back and not delivered again yet, with how often each was delivered (for a clean close). */
  handedBack(): { partition: number; offset: number; deliveryCount: number }[] {
    const back: { partition: number; offset: number; deliveryCount: number }[] = [];
    for (const { record, deliveryCount } of this.redeliveries.values()) back.push({ partition: record.partition, offset: record.offset, deliveryCount });
    return back;
  }

  /** The next record not handed out yet, partitions in turn. Starts reads as needed; never waits. */
  takeNext(): LogRecord | undefined {
    const count = this.cursors.length;
    for (let i = 0; i < count; i++) {
      const cursor = this.cursors[(this.nextCursor + i) % count]!;
      if (cursor.head < cursor.buffer.length) {
        const next = cursor.buffer[cursor.head]!;
        if (this.guard && !this.guard.mayHandOut(next.partition, next.offset)) continue; // woken once recorded
        const record = cursor.buffer[cursor.head++]!;
        if (cursor.head === cursor.buffer.length) {
          cursor.buffer = [];
          cursor.head = 0;
          this.fetch(cursor); // read ahead while this record is handled
        }
        if (count > 1) this.nextCursor = (this.nextCursor + i + 1) % count;
        return record;
      }
      this.fetch(cursor);
    }
    return undefined;
  }

  /** The deliveryCount of a record just taken by takeNext(): above 1 when earlier runs died with it handed out. */
  firstDeliveryCount(record: LogRecord): number {
    return this.guard ? this.guard.handedOut(record.partition, record.offset) : 1;
  }

  private fetch(cursor: PartitionCursor): void {
    if (cursor.fetching || this.failure || cursor.fetchOffset >= cursor.partition.endOffset) return;
    if (cursor.fetchOffset < cursor.partition.startOffset) this.skip(cursor, cursor.partition.startOffset);
    cursor.fetching = true;
    const generation = this.generation;
    const from = cursor.fetchOffset;
    const out: StoredRecord[] = [];
    cursor.partition.read(from, this.fetchBytes, out, cursor.position).then(
      ({ next, position }) => {
        cursor.fetching = false;
        if (generation !== this.generation) return this.wakeAll();
        const first = out[0];
        if (first && first.offset > from) this.addGap(cursor, from, first.offset);
        if (!first && next > from) this.addGap(cursor, from, next);
        cursor.buffer = out;
        cursor.head = 0;
        cursor.fetchOffset = next;
        cursor.position = position;
        this.wakeAll();
      },
      (error: unknown) => {
        cursor.fetching = false;
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.wakeAll();
      },
    );
  }

  private skip(cursor: PartitionCursor, to: number): void {
    this.addGap(cursor, cursor.fetchOffset, to);
    cursor.fetchOffset = to;
    cursor.position = -1;
  }

  private addGap(cursor: PartitionCursor, from: number, to: number): void {
    if (to <= from) return;
    if (from <= cursor.committed) {
      if (to > cursor.committed) this.advance(cursor, to);
    } else cursor.gaps.set(from, to);
  }

  /** The record was settled for good (ack or term): move the commit point past every contiguous settled offset. */
  settled(delivery: LogDelivery): void {
    if (delivery.generation !== this.generation) return;
    const cursor = this.cursors[delivery.partition];
    if (!cursor) return;
    this.guard?.settled(delivery.partition, delivery.offset);
    if (delivery.offset === cursor.committed) {
      if (cursor.settled.size === 0 && cursor.gaps.size === 0) {
        cursor.committed++; // in order, the common case: nothing to look up
        this.dirty = true;
      } else this.advance(cursor, cursor.committed + 1);
    } else if (delivery.offset > cursor.committed) cursor.settled.add(delivery.offset);
  }

  private advance(cursor: PartitionCursor, to: number): void {
    let committed = to;
    for (;;) {
      if (cursor.settled.delete(committed)) committed++;
      else {
        const gapEnd = cursor.gaps.get(committed);
        if (gapEnd === undefined) break;
        cursor.gaps.delete(committed);
        committed = gapEnd;
      }
    }
    cursor.committed = committed;
    this.dirty = true;
  }

  /** Hands `delivery`'s record out again after `delayMs`. */
  redeliver(delivery: LogDelivery, delayMs: number): void {
    if (delivery.generation !== this.generation) return;
    this.handBack(this.redeliveries, { record: delivery.record, deliveryCount: delivery.deliveryCount }, delayMs);
  }

  /**
   * Moves the group to `offsets` (one per partition): records handed out before no longer move
   * the commit point, read-ahead and pending redeliveries are dropped.
   */
  reset(offsets: readonly number[]): void {
    this.generation++;
    this.redeliveries.clear();
    this.cursors.forEach((cursor, i) => {
      const offset = clamp(offsets[i] ?? cursor.committed, cursor.partition);
      cursor.committed = offset;
      cursor.fetchOffset = offset;
      cursor.position = -1;
      cursor.buffer = [];
      cursor.head = 0;
      cursor.settled.clear();
      cursor.gaps.clear();
    });
    this.dirty = true;
    this.epoch = newGroupEpoch();
    this.guard?.reset(this.committedOffsets(), this.epoch);
    this.wakeAll();
  }

  override close(): void {
    for (const stop of this.stopListening) stop();
    this.stopListening.length = 0;
    super.close();
  }
}

function clamp(offset: number, partition: LogPartition): number {
  return Math.min(Math.max(offset, partition.startOffset), partition.endOffset);
}
