import { writeFileAtomic } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';
import { serializeGroupHeads } from './groupHeadsFile.js';
import type { GroupHeads, Suspect } from './groupHeadsFile.js';

/** Records settled, per partition, before a partition that opened careful goes back to normal. */
const carefulRecords = 1024;

interface TrackedSuspect {
  runs: number;
  out: boolean;
  /** Left by a run that died: keeps the partition careful until settled. */
  readonly fromCrash: boolean;
  /** The write that records this hand-out (compare with `written`). */
  recordedAt: number;
}

/**
 * Counts deliveries across restarts, so that a message whose handler kills the process reaches
 * the runtime's `maxDeliveries` instead of looping forever, without ever holding back a
 * consumer.
 *
 * A run records the first record it hands out per partition (the head). A run that dies with
 * that record handed out and not committed leaves a suspect behind, and the next run opens
 * that partition careful: every record it hands out is recorded before it goes (one small
 * file write, no fsync), and every settle is recorded after. The run after a careful run that
 * died counts one more run for each record that was out at that moment; a record's first
 * delivery in a run has deliveryCount runs + 1. Nothing waits for a settle: a consumer that
 * holds many deliveries before acking them gets them all, and all of them count.
 *
 * Which of the records out at a crash killed the process is then the consumer's to narrow: the
 * runtime runs a delivery whose count is above 1 alone, so the run after next has the culprit
 * as its only record out, and only its count keeps growing. The heads are written without
 * fsync: they guard against process crashes, and heads lost in a power loss only delay the
 * count.
 */
export class CrashLoopGuard {
  private readonly suspects: Map<number, TrackedSuspect>[];
  private readonly openHead: number[];
  private readonly openHeadRecorded: boolean[];
  /** Per partition, settles left before a careful partition may go back to normal. */
  private readonly carefulSettles: number[];
  private wanted = 0;
  private written = 0;
  private writing: Promise<void> = Promise.resolve();
  /** A write queued behind `writing` and not started yet: later calls join it. */
  private queued: Promise<void> | undefined;

  /**
   * `committed`: the group's positions as opened (see `committedAtOpen`); `epoch`: that of its
   * offsets, recorded with the heads; `committedNow` reads the group's positions at each write.
   * `onRecorded` is called when a write completes, so that waiting consumers look again.
   */
  constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    committed: readonly number[],
    private epoch: string,
    previous: GroupHeads | undefined,
    private readonly committedNow: () => readonly number[],
    private readonly onRecorded: () => void,
  ) {
    this.openHead = [...committed];
    this.openHeadRecorded = committed.map(() => false);
    this.suspects = committed.map((from, p) => {
      const carried = new Map<number, TrackedSuspect>();
      if (previous === undefined) return carried;
      for (const suspect of previous.partitions[p]?.suspects ?? []) {
        // A clean close lists what it handed back unsettled, with the deliveries it counted.
        const runs = suspect.out && !previous.clean ? suspect.runs + 1 : suspect.runs;
        if (suspect.offset >= from && runs > 0) carried.set(suspect.offset, { runs, out: false, recordedAt: 0, fromCrash: !previous.clean });
      }
      return carried;
    });
    this.carefulSettles = this.suspects.map((_, p) => (this.hasCarried(p) ? carefulRecords : 0));
  }

  /** Per partition, the larger of the saved offset and the recorded one: every offset below either was settled. */
  static committedAtOpen(saved: readonly number[], previous: GroupHeads | undefined): number[] {
    return saved.map((offset, p) => Math.max(offset, previous?.partitions[p]?.committed ?? 0));
  }

  /** Writes the heads as opened; resolves when written. */
  open(): Promise<void> {
    return this.write();
  }

  /**
   * May the record at `offset` of `partition` be handed out now? False only while its
   * hand-out is being recorded (the guard calls onRecorded when it is); never because of other
   * records still out.
   */
  mayHandOut(partition: number, offset: number): boolean {
    const suspects = this.suspects[partition]!;
    let suspect = suspects.get(offset);
    const mustRecord = this.isCareful(partition) ? !suspect?.out : offset === this.openHead[partition] && !this.openHeadRecorded[partition];
    if (mustRecord) {
      if (offset === this.openHead[partition]) this.openHeadRecorded[partition] = true;
      suspect ??= { runs: 0, out: true, recordedAt: 0, fromCrash: false };
      suspect.out = true;
      suspect.recordedAt = ++this.wanted;
      suspects.set(offset, suspect);
      void this.write();
      return false;
    }
    return suspect === undefined || suspect.recordedAt <= this.written;
  }

  /** The record at `offset` of `partition` was handed out; its deliveryCount. */
  handedOut(partition: number, offset: number): number {
    return (this.suspects[partition]!.get(offset)?.runs ?? 0) + 1;
  }

  /** The record at `offset` of `partition` was settled for good; a careful partition records it. */
  settled(partition: number, offset: number): void {
    const careful = this.isCareful(partition);
    const wasSuspect = this.suspects[partition]!.delete(offset);
    if (!careful) return;
    if (this.carefulSettles[partition]! > 0) this.carefulSettles[partition]!--;
    if (wasSuspect) void this.write();
  }

  /** The group moved to `offsets` (a replay), under a new `epoch`: nothing handed out before counts. */
  reset(offsets: readonly number[], epoch: string): void {
    this.epoch = epoch;
    offsets.forEach((offset, p) => {
      this.openHead[p] = offset;
      this.openHeadRecorded[p] = false;
      this.carefulSettles[p] = 0;
      this.suspects[p]!.clear();
    });
    void this.write();
  }

  /**
   * A clean close: nothing is left handed out. `handedBack`: records handed out and given back
   * unsettled (a bus that stopped with them queued or unfinished), and how often each was
   * delivered; the next run goes on counting from there, as a broker would.
   */
  close(handedBack: readonly { partition: number; offset: number; deliveryCount: number }[]): Promise<void> {
    for (const suspects of this.suspects) suspects.clear();
    for (const { partition, offset, deliveryCount } of handedBack) {
      this.suspects[partition]?.set(offset, { runs: deliveryCount, out: false, recordedAt: 0, fromCrash: false });
    }
    return this.write(true);
  }

  private isCareful(partition: number): boolean {
    return this.carefulSettles[partition]! > 0 || this.hasCarried(partition);
  }

  /** A suspect left by a run that died, not yet settled, keeps its partition careful. */
  private hasCarried(partition: number): boolean {
    for (const suspect of this.suspects[partition]!.values()) if (suspect.fromCrash) return true;
    return false;
  }

  /**
   * Writes the heads as they are when the write starts, after any write in flight; calls made
   * before it starts share it. A failed write is let go (the heads only guide counts).
   */
  private write(clean = false): Promise<void> {
    if (this.queued && !clean) return this.queued;
    const queued: Promise<void> = this.writing.then(async () => {
      if (this.queued === queued) this.queued = undefined;
      const upTo = this.wanted;
      try {
        await writeFileAtomic(this.fs, this.path, serializeGroupHeads(this.snapshot(clean)), false);
      } catch {
        // Counting across restarts is lost for this write; consumption goes on.
      }
      this.written = Math.max(this.written, upTo);
      this.onRecorded();
    });
    this.queued = clean ? undefined : queued;
    this.writing = queued;
    return queued;
  }

  private snapshot(clean: boolean): GroupHeads {
    const committed = this.committedNow();
    const partitions = this.suspects.map((suspects, p) => {
      const from = committed[p] ?? 0;
      const list: Suspect[] = [];
      for (const [offset, { runs, out }] of suspects) if (offset >= from) list.push({ offset, runs, out });
      list.sort((a, b) => a.offset - b.offset);
      return { committed: from, suspects: list };
    });
    return { partitions, clean, epoch: this.epoch };
  }
}
