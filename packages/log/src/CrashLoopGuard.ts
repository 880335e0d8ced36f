import { writeFileAtomic } from './fileIo.js';
import { serializeGroupHeads } from './groupHeadsFile.js';
import type { GroupHeads, PartitionHead } from './groupHeadsFile.js';

/** Records handed out one at a time, each recorded first, after a run that ended with its head unsettled. */
const carefulRecords = 1024;

/**
 * Counts deliveries across restarts, so that a message whose handler kills the process reaches
 * the runtime's `maxDeliveries` instead of looping forever. Per partition the group records
 * its head (the committed offset) and whether the record there was handed out; a run that opens
 * to the same head, handed out by a run that did not close cleanly, counts one more run, and the
 * record's first delivery in this run has deliveryCount runs + 1.
 *
 * The head only tells which record was first in line; the one that killed the process may be
 * a later one (the window holds many). So after such a run the partition goes careful: records
 * are handed out one at a time, each recorded as the head before its handler runs, for the
 * next `carefulRecords` records; the one that kills the process is then the recorded head of
 * the next run, and only its count grows. The heads are written without fsync: they guard
 * against process crashes, and a head lost in a power loss only delays the count.
 */
export class CrashLoopGuard {
  private readonly heads: PartitionHead[];
  private readonly openHead: number[];
  private readonly runsAtOpen: number[];
  private readonly careful: number[];
  private readonly outstanding: number[];
  /** Per partition, the write sequence that records its current hand-out (0: nothing to wait for). */
  private readonly recordedAt: number[];
  private wanted = 0;
  private written = 0;
  private writing: Promise<void> = Promise.resolve();

  /**
   * `committed`: the group's positions as opened (see `committedAtOpen`); `epoch`: that of its
   * offsets, recorded with the heads. `onRecorded` is called when a write completes, so that
   * waiting consumers look again.
   */
  constructor(
    private readonly path: string,
    committed: readonly number[],
    private epoch: string,
    previous: GroupHeads | undefined,
    private readonly onRecorded: () => void,
  ) {
    this.openHead = [...committed];
    this.runsAtOpen = committed.map((offset, p) => {
      const head = previous?.heads[p];
      return head !== undefined && !previous!.clean && head.handedOut && head.offset === offset ? head.runs + 1 : 0;
    });
    this.heads = committed.map((offset, p) => ({ offset, runs: this.runsAtOpen[p]!, handedOut: false }));
    this.careful = this.runsAtOpen.map((runs) => (runs > 0 ? carefulRecords : 0));
    this.outstanding = committed.map(() => 0);
    this.recordedAt = committed.map(() => 0);
  }

  /** Per partition, the larger of the saved offset and the recorded head: every offset below either was settled. */
  static committedAtOpen(saved: readonly number[], previous: GroupHeads | undefined): number[] {
    return saved.map((offset, p) => Math.max(offset, previous?.heads[p]?.offset ?? 0));
  }

  /** Writes the heads as opened; resolves when written. */
  open(): Promise<void> {
    return this.write();
  }

  /** Partitions whose runs grew at this open: for the recovery report. */
  get suspects(): { partition: number; offset: number; runs: number }[] {
    return this.runsAtOpen.flatMap((runs, partition) => (runs > 0 ? [{ partition, offset: this.openHead[partition]!, runs }] : []));
  }

  /**
   * May the record at `offset` of `partition` be handed out now? False while its hand-out is
   * being recorded (the guard calls onRecorded when it is), or, when careful, while an earlier
   * record of the partition is still out.
   */
  mayHandOut(partition: number, offset: number): boolean {
    const careful = this.careful[partition]! > 0;
    if (careful && this.outstanding[partition]! > 0) return false;
    const head = this.heads[partition]!;
    const mustRecord = careful ? !(head.offset === offset && head.handedOut) : offset === this.openHead[partition] && !head.handedOut;
    if (mustRecord) {
      this.heads[partition] = { offset, runs: offset === this.openHead[partition] ? this.runsAtOpen[partition]! : 0, handedOut: true };
      this.recordedAt[partition] = ++this.wanted;
      void this.write();
      return false;
    }
    return this.recordedAt[partition]! <= this.written;
  }

  /** The record at `offset` of `partition` was handed out; its deliveryCount. */
  handedOut(partition: number, offset: number): number {
    if (this.careful[partition]! > 0) this.outstanding[partition]!++;
    return offset === this.openHead[partition] ? this.runsAtOpen[partition]! + 1 : 1;
  }

  /** A record of `partition` was settled for good. */
  settled(partition: number): void {
    if (this.careful[partition]! === 0) return;
    this.outstanding[partition] = Math.max(0, this.outstanding[partition]! - 1);
    this.careful[partition]!--;
  }

  /** The group moved to `offsets` (a replay), under a new `epoch`: nothing handed out before counts. */
  reset(offsets: readonly number[], epoch: string): void {
    this.epoch = epoch;
    offsets.forEach((offset, p) => {
      this.openHead[p] = offset;
      this.runsAtOpen[p] = 0;
      this.careful[p] = 0;
      this.outstanding[p] = 0;
      this.heads[p] = { offset, runs: 0, handedOut: false };
    });
    void this.write();
  }

  /** A clean close at `committed`: nothing is left handed out. */
  close(committed: readonly number[]): Promise<void> {
    committed.forEach((offset, p) => (this.heads[p] = { offset, runs: 0, handedOut: false }));
    return this.write(true);
  }

  /** Writes the heads as they are now, after any write in flight; a failed write is let go (the heads only guide counts). */
  private write(clean = false): Promise<void> {
    const upTo = this.wanted;
    this.writing = this.writing.then(async () => {
      try {
        await writeFileAtomic(this.path, serializeGroupHeads({ heads: this.heads, clean, epoch: this.epoch }), false);
      } catch {
        // Counting across restarts is lost for this write; consumption goes on.
      }
      this.written = Math.max(this.written, upTo);
      this.onRecorded();
    });
    return this.writing;
  }
}
