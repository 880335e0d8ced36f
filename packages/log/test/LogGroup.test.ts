import { makeRecord } from '@hopbus/testing';
import type { CrashLoopGuard } from '../src/CrashLoopGuard.js';
import { LogDelivery } from '../src/LogDelivery.js';
import { LogGroup } from '../src/LogGroup.js';
import { resolveLogOptions } from '../src/LogOptions.js';
import type { LogPartition } from '../src/LogPartition.js';
import type { LogRecord } from '../src/LogRecord.js';
import { LogTopic } from '../src/LogTopic.js';
import type { StoredRecord } from '../src/StoredRecord.js';
import { tempDir } from './support/tempDir.js';

// The group's own rules, file by file: which record it hands out next, where it reads, where its
// committed position goes. Most cases drive a scripted partition (every read seen and answered
// by the test, gaps and failures on demand); the ones about real reads run on a topic on disk.

interface ReadCall {
  readonly from: number;
  readonly maxBytes: number;
  readonly position: number | undefined;
  /** Answers the read: the records it found and where the next read goes. */
  answer(records: readonly LogRecord[], next: number, position?: number): void;
  fail(reason: unknown): void;
}

/** A partition whose reads wait for the test to answer them (or are answered from `records` when `auto`). */
class ScriptedPartition {
  startOffset = 0;
  readonly reads: ReadCall[] = [];
  readonly listeners = new Set<() => void>();
  readonly records: LogRecord[] = [];

  constructor(
    readonly index: number,
    private readonly auto = true,
  ) {}

  get endOffset(): number {
    return this.records.length === 0 ? this.startOffset : this.records[this.records.length - 1]!.offset + 1;
  }

  /** Adds records at `offsets` (default: the next `count`) and tells the listeners. */
  add(count: number, offsets?: readonly number[]): void {
    const at = offsets ?? Array.from({ length: count }, (_, i) => this.endOffset + i);
    for (const offset of at) this.records.push(recordAt(this.index, offset));
    for (const listener of this.listeners) listener();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read(from: number, maxBytes: number, out: StoredRecord[], position?: number): Promise<{ next: number; position: number }> {
    return new Promise((resolve, reject) => {
      const call: ReadCall = {
        from,
        maxBytes,
        position,
        answer: (records, next, at = -1) => {
          out.push(...(records as StoredRecord[]));
          resolve({ next, position: at });
        },
        fail: reject,
      };
      this.reads.push(call);
      if (this.auto) {
        const found = this.records.filter((r) => r.offset >= from);
        call.answer(found, found.length === 0 ? from : found[found.length - 1]!.offset + 1);
      }
    });
  }
}

function recordAt(partition: number, offset: number): LogRecord {
  return { ...makeRecord('t', offset), partition, offset };
}

function groupOver(partitions: readonly ScriptedPartition[], committed: readonly number[] = [], fetchBytes = 1024): LogGroup {
  const topic = { name: 't', partitions: partitions as unknown as LogPartition[] } as unknown as LogTopic;
  return new LogGroup(topic, 'g', committed, 'epoch-1', fetchBytes);
}

/** The next record the group hands out, waiting for its reads as a subscription does. */
async function next(group: LogGroup): Promise<LogRecord> {
  for (;;) {
    const record = group.takeNext();
    if (record) return record;
    await new Promise<void>((resolve) => {
      const stop = group.waitForWork(() => {
        stop();
        resolve();
      });
    });
  }
}

async function takeAll(group: LogGroup, count: number): Promise<[number, number][]> {
  const got: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const record = await next(group);
    got.push([record.partition, record.offset]);
  }
  return got;
}

const owner = { settle: () => undefined, touch: () => undefined };
const deliveryOf = (group: LogGroup, record: LogRecord, generation = group.generation, deliveryCount = 1): LogDelivery =>
  new LogDelivery(record, deliveryCount, generation, owner, Number.MAX_SAFE_INTEGER);
const settle = (group: LogGroup, partition: number, offset: number): void => group.settled(deliveryOf(group, recordAt(partition, offset)));

/** Lets every read answered so far reach the group. */
const settledReads = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LogGroup: what it hands out next', () => {
  it('takes the partitions in turn, one record each, and goes on with those that still have records', async () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1), new ScriptedPartition(2)];
    parts[0]!.add(2);
    parts[1]!.add(4);
    parts[2]!.add(1);
    const group = groupOver(parts);
    expect(await takeAll(group, 7)).toEqual([
      [0, 0], [1, 0], [2, 0],
      [0, 1], [1, 1],
      [1, 2], [1, 3],
    ]);
    expect(group.takeNext()).toBeUndefined();
  });

  it('passes over a record the crash-loop guard holds back, and turns on from the partition it took', async () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1), new ScriptedPartition(2)];
    for (const part of parts) part.add(2);
    const group = groupOver(parts);
    let held = true;
    group.guard = {
      mayHandOut: (partition: number, offset: number) => !(held && partition === 0 && offset === 0),
      handedOut: (_partition: number, offset: number) => 10 + offset,
      settled: () => undefined,
      reset: () => undefined,
    } as unknown as CrashLoopGuard;
    const first = await next(group);
    expect([first.partition, first.offset]).toEqual([1, 0]);
    held = false;
    // Taken from partition 1: partition 2 is next, then 0 again.
    expect(await takeAll(group, 5)).toEqual([[2, 0], [0, 0], [1, 1], [2, 1], [0, 1]]);
    expect(group.firstDeliveryCount(first)).toBe(10);
    expect(group.firstDeliveryCount(recordAt(0, 1))).toBe(11);
  });

  it('counts a first delivery as 1 when no guard is set', () => {
    expect(groupOver([new ScriptedPartition(0)]).firstDeliveryCount(recordAt(0, 7))).toBe(1);
  });

  it('reads one chunk ahead as soon as its buffer is emptied, passing on the position hint the last read returned', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(4);
    const group = groupOver([part], [], 321);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads.map((r) => [r.from, r.maxBytes, r.position])).toEqual([[0, 321, -1]]);
    part.reads[0]!.answer([recordAt(0, 0), recordAt(0, 1)], 2, 4096);
    await settledReads();
    expect(group.takeNext()?.offset).toBe(0);
    expect(part.reads).toHaveLength(1); // one left in the buffer: no read yet
    expect(group.takeNext()?.offset).toBe(1);
    // The buffer emptied: the next chunk is asked for now, while the record is handled.
    expect(part.reads.map((r) => [r.from, r.position])).toEqual([[0, -1], [2, 4096]]);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads).toHaveLength(2); // that read is still out: no second one beside it
    part.reads[1]!.answer([recordAt(0, 2), recordAt(0, 3)], 4, -1);
    await settledReads();
    expect(group.takeNext()?.offset).toBe(2);
    expect(group.takeNext()?.offset).toBe(3);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads).toHaveLength(2); // at the end of the partition: nothing to read
  });

  it('reads again when the partition grows, woken by its append', async () => {
    const part = new ScriptedPartition(0);
    const group = groupOver([part]);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads).toHaveLength(0); // empty partition: no read
    let woken = 0;
    group.waitForWork(() => woken++);
    part.add(1);
    expect(woken).toBeGreaterThan(0);
    expect((await next(group)).offset).toBe(0);
  });

  it('ends its reads when one fails: the failure is kept, the consumers woken, and no read starts after it', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(3);
    const group = groupOver([part]);
    let woken = 0;
    group.waitForWork(() => woken++);
    group.takeNext();
    const broken = new Error('bad batch');
    part.reads[0]!.fail(broken);
    await settledReads();
    expect(group.failure).toBe(broken);
    expect(woken).toBe(1);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads).toHaveLength(1);
  });

  it('makes an Error of a read failure that is not one', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(1);
    const group = groupOver([part]);
    group.takeNext();
    part.reads[0]!.fail('disk gone');
    await settledReads();
    expect(group.failure).toBeInstanceOf(Error);
    expect(group.failure?.message).toBe('disk gone');
  });

  it('drops a read that was out when the group was reset, and reads from the new position', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(8);
    const group = groupOver([part]);
    group.takeNext();
    group.reset([5]);
    let woken = 0;
    group.waitForWork(() => woken++);
    part.reads[0]!.answer([recordAt(0, 0), recordAt(0, 1)], 2, 100);
    await settledReads();
    expect(woken).toBe(1);
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads.map((r) => [r.from, r.position])).toEqual([[0, -1], [5, -1]]);
    part.reads[1]!.answer([recordAt(0, 5)], 6, -1);
    await settledReads();
    expect(group.takeNext()?.offset).toBe(5);
  });
});

describe('LogGroup: the committed position', () => {
  it('starts at the positions given, each clamped to what its partition holds, or at the start when none is given', () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1), new ScriptedPartition(2)];
    parts[0]!.add(10);
    parts[1]!.startOffset = 4;
    parts[1]!.add(6);
    parts[2]!.startOffset = 3;
    parts[2]!.add(2);
    const group = groupOver(parts, [100, 1]);
    expect(group.committedOffsets()).toEqual([10, 4, 3]);
    expect(group.dirty).toBe(false);
    expect(group.epoch).toBe('epoch-1');
  });

  it('moves past every settled record in a row, whatever order the settles come in', () => {
    const part = new ScriptedPartition(0);
    part.add(6);
    const group = groupOver([part]);
    settle(group, 0, 0);
    expect(group.committedOffsets()).toEqual([1]);
    expect(group.dirty).toBe(true);
    group.dirty = false;
    settle(group, 0, 3);
    settle(group, 0, 2);
    expect(group.committedOffsets()).toEqual([1]);
    expect(group.dirty).toBe(false);
    settle(group, 0, 1);
    expect(group.committedOffsets()).toEqual([4]);
    expect(group.dirty).toBe(true);
    settle(group, 0, 4);
    expect(group.committedOffsets()).toEqual([5]);
    // An offset settled again, or below the position, moves nothing.
    settle(group, 0, 2);
    settle(group, 0, 6);
    settle(group, 0, 5);
    expect(group.committedOffsets()).toEqual([7]);
  });

  it('ignores a settle from before a reset, and one for a partition it does not have', () => {
    const part = new ScriptedPartition(0);
    part.add(4);
    const group = groupOver([part]);
    group.reset([1]);
    group.dirty = false;
    group.settled(deliveryOf(group, recordAt(0, 1), group.generation - 1));
    group.settled(deliveryOf(group, recordAt(3, 1)));
    expect(group.committedOffsets()).toEqual([1]);
    expect(group.dirty).toBe(false);
    settle(group, 0, 1);
    expect(group.committedOffsets()).toEqual([2]);
  });

  it('moves over offsets the partition no longer holds, at once when they are at the position', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(0, [3, 4]);
    const group = groupOver([part]);
    group.takeNext();
    // The read from 0 found its first record at 3: 0-2 were removed (a repair, say).
    part.reads[0]!.answer([recordAt(0, 3), recordAt(0, 4)], 5);
    await settledReads();
    expect(group.committedOffsets()).toEqual([3]);
    expect(group.dirty).toBe(true);
  });

  it('keeps a gap above the position and moves over it once the records before it are settled', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(0, [0, 1, 2, 6, 7]);
    const group = groupOver([part]);
    group.takeNext();
    part.reads[0]!.answer([recordAt(0, 0), recordAt(0, 1), recordAt(0, 2)], 3);
    await settledReads();
    for (let i = 0; i < 3; i++) group.takeNext();
    // The read ahead from 3 finds nothing until 6.
    part.reads[1]!.answer([recordAt(0, 6), recordAt(0, 7)], 8);
    await settledReads();
    expect(group.committedOffsets()).toEqual([0]);
    settle(group, 0, 0);
    settle(group, 0, 1);
    expect(group.committedOffsets()).toEqual([2]);
    settle(group, 0, 2);
    expect(group.committedOffsets()).toEqual([6]);
    settle(group, 0, 6);
    expect(group.committedOffsets()).toEqual([7]);
  });

  it('counts a read that found nothing but moved on as a gap', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(0, [0, 5]);
    const group = groupOver([part]);
    group.takeNext();
    part.reads[0]!.answer([recordAt(0, 0)], 1);
    await settledReads();
    expect(group.takeNext()?.offset).toBe(0);
    part.reads[1]!.answer([], 5); // 1-4 hold nothing
    await settledReads();
    settle(group, 0, 0);
    expect(group.committedOffsets()).toEqual([5]);
    // It reads on from where that read ended.
    expect(group.takeNext()).toBeUndefined();
    expect(part.reads.map((r) => r.from)).toEqual([0, 1, 5]);
  });

  it('skips to the partition\'s start when retention removed the records it was about to read', async () => {
    const part = new ScriptedPartition(0, false);
    part.add(10);
    const group = groupOver([part], [0]);
    part.startOffset = 4;
    group.takeNext();
    expect(part.reads.map((r) => [r.from, r.position])).toEqual([[4, -1]]);
    expect(group.committedOffsets()).toEqual([4]);
    expect(group.dirty).toBe(true);
  });
});

describe('LogGroup: redeliveries, reset and close', () => {
  it('hands records back in partition and offset order once due, with their delivery counts', () => {
    const part = new ScriptedPartition(0);
    const group = groupOver([part, new ScriptedPartition(1)]);
    for (const [partition, offset, count] of [[1, 5, 2], [0, 7, 3], [0, 3, 1], [1, 2, 4]] as const) {
      group.redeliver(deliveryOf(group, recordAt(partition, offset), group.generation, count), 0);
    }
    expect(group.handedBack().sort((a, b) => a.partition - b.partition || a.offset - b.offset)).toEqual([
      { partition: 0, offset: 3, deliveryCount: 1 },
      { partition: 0, offset: 7, deliveryCount: 3 },
      { partition: 1, offset: 2, deliveryCount: 4 },
      { partition: 1, offset: 5, deliveryCount: 2 },
    ]);
    const order: [number, number, number][] = [];
    for (let back = group.takeRedelivery(); back; back = group.takeRedelivery()) order.push([back.record.partition, back.record.offset, back.deliveryCount]);
    expect(order).toEqual([[0, 3, 1], [0, 7, 3], [1, 2, 4], [1, 5, 2]]);
  });

  it('ignores a hand-back from before a reset', () => {
    const group = groupOver([new ScriptedPartition(0)]);
    const old = deliveryOf(group, recordAt(0, 0));
    group.reset([0]);
    group.redeliver(old, 0);
    expect(group.handedBack()).toEqual([]);
    expect(group.takeRedelivery()).toBeUndefined();
  });

  it('resets to new positions: a new epoch, pending hand-backs and settles dropped, the guard told, consumers woken', async () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1)];
    parts[0]!.add(10);
    parts[1]!.add(3);
    const group = groupOver(parts);
    expect(await takeAll(group, 2)).toEqual([[0, 0], [1, 0]]);
    settle(group, 0, 2);
    group.redeliver(deliveryOf(group, recordAt(0, 0)), 0);
    const told: [readonly number[], string][] = [];
    group.guard = {
      mayHandOut: () => true,
      handedOut: () => 1,
      settled: () => undefined,
      reset: (committed: readonly number[], epoch: string) => told.push([committed, epoch]),
    } as unknown as CrashLoopGuard;
    let woken = 0;
    group.waitForWork(() => woken++);
    const generation = group.generation;
    group.dirty = false;

    group.reset([6, 50]); // past the end of partition 1: clamped to it
    expect(group.generation).toBe(generation + 1);
    expect(group.committedOffsets()).toEqual([6, 3]);
    expect(group.dirty).toBe(true);
    expect(group.epoch).not.toBe('epoch-1');
    expect(told).toEqual([[[6, 3], group.epoch]]);
    expect(woken).toBeGreaterThan(0);
    expect(group.handedBack()).toEqual([]);
    expect(group.takeRedelivery()).toBeUndefined();
    // The read-ahead is dropped: what comes next is read from the new position.
    expect(await takeAll(group, 2)).toEqual([[0, 6], [0, 7]]);
    // The settle of 2 from before does not count now (7 would otherwise follow 6 in a row).
    settle(group, 0, 6);
    expect(group.committedOffsets()).toEqual([7, 3]);
  });

  it('keeps a partition\'s position when a reset names none for it', () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1)];
    parts[0]!.add(4);
    parts[1]!.add(4);
    const group = groupOver(parts, [1, 2]);
    group.reset([3]);
    expect(group.committedOffsets()).toEqual([3, 2]);
  });

  it('stops listening to its partitions when closed, and wakes its consumers', () => {
    const parts = [new ScriptedPartition(0), new ScriptedPartition(1)];
    const group = groupOver(parts);
    expect(parts.map((p) => p.listeners.size)).toEqual([1, 1]);
    let woken = 0;
    group.waitForWork(() => woken++);
    group.close();
    expect(woken).toBe(1);
    expect(parts.map((p) => p.listeners.size)).toEqual([0, 0]);
    parts[0]!.add(1);
    expect(woken).toBe(1);
  });
});

describe('LogGroup over a topic on disk', () => {
  let dir: string;
  let remove: () => void;
  let topic: LogTopic | undefined;
  beforeEach(() => ({ dir, remove } = tempDir('group')));
  afterEach(async () => {
    await topic?.close();
    topic = undefined;
    remove();
  });

  async function openTopic(partitions: number): Promise<LogTopic> {
    topic = await LogTopic.open('disk.t', dir, resolveLogOptions({ dir, partitions, segmentBytes: 2048, fsync: 'never' }), true);
    return topic!;
  }

  it('reads every record of several segments in order, a small chunk at a time', async () => {
    const t = await openTopic(1);
    const partition = t.partitions[0]!;
    for (let batch = 0; batch < 20; batch++) await partition.append(Array.from({ length: 5 }, (_, i) => makeRecord('disk.t', batch * 5 + i)));
    expect(partition.segmentCount).toBeGreaterThan(3);
    const group = new LogGroup(t, 'g', [], 'e', 300);
    const offsets: number[] = [];
    for (let i = 0; i < 100; i++) {
      const record = await next(group);
      offsets.push(record.offset);
      group.settled(deliveryOf(group, record));
    }
    expect(offsets).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(group.committedOffsets()).toEqual([100]);
    group.close();
  });

  it('moves its position past segments retention deleted, whether they were before it or still to be read', async () => {
    const t = await openTopic(1);
    const partition = t.partitions[0]!;
    for (let batch = 0; batch < 20; batch++) await partition.append(Array.from({ length: 5 }, (_, i) => makeRecord('disk.t', batch * 5 + i)));
    const group = new LogGroup(t, 'g', [], 'e', 200);
    const first = await next(group);
    expect(first.offset).toBe(0);
    // Deletes the segments that hold what the group read ahead, and the next ones.
    partition.deleteOldestSealed();
    partition.deleteOldestSealed();
    const start = partition.startOffset;
    expect(start).toBeGreaterThan(0);
    // What was read ahead is still handed out; then it goes on at the new start.
    const offsets: number[] = [];
    for (let record = await next(group); ; record = await next(group)) {
      offsets.push(record.offset);
      group.settled(deliveryOf(group, record));
      if (record.offset === 99) break;
    }
    expect(offsets.filter((o) => o >= start)).toEqual(Array.from({ length: 100 - start }, (_, i) => start + i));
    expect(group.committedOffsets()).toEqual([0]); // 0 is still out
    group.settled(deliveryOf(group, first));
    expect(group.committedOffsets()).toEqual([100]);
    group.close();
  });
});
