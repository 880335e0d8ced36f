import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import type { ActorTurn, ActorTurns, OutgoingRecord } from '@hopbus/core';
import type { LogStore } from '../LogStore.js';
import type { StoredRecord } from '../StoredRecord.js';
import { readCheckpoint, writeCheckpoint } from './appliedCheckpoint.js';
import type { AppliedCheckpoint } from './appliedCheckpoint.js';
import { actorsFolder, journalPath, TurnJournal } from './TurnJournal.js';
import type { JournalTurn } from './turnFrame.js';

/** Appends records to their partitions (LogTransport's own path, open or closing). */
export type AppendRecords = (records: readonly OutgoingRecord[]) => Promise<void>;

interface PendingApply {
  readonly records: readonly OutgoingRecord[];
  /** The journal position after the turn. */
  readonly end: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** How often the applied checkpoint is written while turns commit. */
const checkpointEveryMs = 1000;
const readBytes = 1 << 20;
/** Outputs of committed turns that may wait for their partitions before a commit waits for them. */
const maxRecordsBehind = 10_000;

/**
 * Keyed actors' turns on the log. A turn commits with one write to the turn journal (state and
 * outputs together, synced under the fsync policy): that write is the commit. Its outputs are
 * then appended to their partitions, in journal order, so no reader sees one before its turn
 * committed. After a crash, open appends again the outputs of turns the journal holds and the
 * partitions lack (by record id, from the last applied checkpoint on). The latest state of each
 * key is kept in memory, rebuilt from the journal at open; age retention never touches it.
 */
export class LogActorTurns implements ActorTurns {
  private readonly states = new Map<string, Uint8Array>();
  private applyQueue: PendingApply[] = [];
  /** Outputs of committed turns not yet in their partitions. */
  private recordsBehind = 0;
  /** Why outputs could not be appended: later turns are refused with it (open mends what the journal holds). */
  private applyFailure: Error | undefined;
  private applying: Promise<void> | undefined;
  /** Every turn before this journal position has its outputs in their partitions. */
  private appliedThrough = 0;
  private checkpointed = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly store: LogStore,
    private readonly journal: TurnJournal,
    private readonly append: AppendRecords,
  ) {
    this.timer = setInterval(() => void this.checkpointIfBehind().catch(() => undefined), checkpointEveryMs);
    this.timer.unref();
  }

  /** True when `store`'s dir has a turn journal (a keyed actor ran on it). */
  static existIn(store: LogStore): boolean {
    return store.options.fileSystem.existsSync(journalPath(store.dir));
  }

  /** Opens the journal of `store`'s dir, rebuilds every key's state and appends what a crash left unapplied. */
  static async open(store: LogStore, append: AppendRecords): Promise<LogActorTurns> {
    const checkpointPath = join(store.dir, actorsFolder, 'applied.json');
    const checkpoint = readCheckpoint(store.options.fileSystem, checkpointPath);
    const states = new Map<string, Uint8Array>();
    const unapplied: JournalTurn[] = [];
    const journal = await TurnJournal.open(store.dir, store.options, (turn, end) => {
      states.set(stateKey(turn.actor, turn.key), turn.state);
      if (end > checkpoint.through && turn.records.length > 0) unapplied.push(turn);
    });
    const turns = new LogActorTurns(store, journal, append);
    for (const [key, state] of states) turns.states.set(key, state);
    try {
      await turns.applyAgain(unapplied, checkpoint);
      turns.appliedThrough = journal.end;
      await turns.writeCheckpoint();
    } catch (error) {
      await turns.close();
      throw error;
    }
    return turns;
  }

  async loadState(actor: string, key: string): Promise<Uint8Array | undefined> {
    this.assertOpen('load actor state');
    return this.states.get(stateKey(actor, key));
  }

  async commitTurn(turn: ActorTurn): Promise<void> {
    this.assertOpen('commit a turn');
    if (this.applyFailure) throw this.applyFailure;
    const end = await this.journal.append({ actor: turn.actor, key: turn.key, state: turn.state, records: turn.records });
    // Committed: the journal holds the turn. Its outputs reach their partitions behind it (a
    // crash before they do is mended at open); the turn waits for that only when many are behind.
    this.states.set(stateKey(turn.actor, turn.key), turn.state);
    const applied = this.apply(turn.records, end);
    if (this.recordsBehind > maxRecordsBehind) await applied;
    else applied.catch(() => undefined);
    turn.input.ack();
  }

  /** Ends the checkpoint timer, lets the outputs under way reach their partitions, writes the checkpoint, closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.applying;
    try {
      await this.writeCheckpoint();
    } finally {
      await this.journal.close();
    }
  }

  /** Appends a committed turn's outputs after those of every turn committed before it. */
  private apply(records: readonly OutgoingRecord[], end: number): Promise<void> {
    this.recordsBehind += records.length;
    return new Promise((resolve, reject) => {
      this.applyQueue.push({ records, end, resolve, reject });
      this.applying ??= this.applyLoop();
    });
  }

  private async applyLoop(): Promise<void> {
    while (this.applyQueue.length > 0) {
      const batch = this.applyQueue;
      this.applyQueue = [];
      const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((p) => p.records);
      try {
        if (records.length > 0) await this.append(records);
      } catch (error) {
        // The turns are committed (the journal holds them): the next open appends their outputs.
        this.applyFailure ??= new HopbusError('publish_failed', `Outputs of committed turns could not be appended to their partitions (${(error as Error).message}); reopen the log to append them.`, { cause: error });
        for (const p of batch) p.reject(error);
        continue;
      } finally {
        this.recordsBehind -= records.length;
      }
      this.appliedThrough = batch[batch.length - 1]!.end;
      for (const p of batch) p.resolve();
    }
    this.applying = undefined;
  }

  /**
   * Appends the outputs of `unapplied` (turns after the checkpoint) that their partitions do
   * not hold: the ids in each partition they write to are read from the checkpoint's end on.
   */
  private async applyAgain(unapplied: readonly JournalTurn[], checkpoint: AppliedCheckpoint): Promise<void> {
    if (unapplied.length === 0) return;
    const topics = new Set<string>();
    for (const turn of unapplied) for (const record of turn.records) topics.add(record.topic);
    const present = new Set<string>();
    for (const name of topics) {
      const topic = await this.store.topic(name, false);
      if (topic === undefined) continue;
      for (const partition of topic.partitions) {
        let offset = Math.max(partition.startOffset, checkpoint.ends[name]?.[partition.index] ?? 0);
        let position: number | undefined;
        while (offset < partition.endOffset) {
          const out: StoredRecord[] = [];
          const read = await partition.read(offset, readBytes, out, position);
          for (const record of out) present.add(record.id);
          if (read.next <= offset) break;
          offset = read.next;
          position = read.position >= 0 ? read.position : undefined;
        }
      }
    }
    const missing = unapplied.flatMap((turn) => turn.records.filter((record) => !present.has(record.id)));
    if (missing.length > 0) await this.append(missing);
  }

  private async checkpointIfBehind(): Promise<void> {
    if (this.closed || this.appliedThrough === this.checkpointed) return;
    await this.writeCheckpoint();
  }

  /** Records how far the outputs are applied, with every partition's end, once what they hold is synced. */
  private async writeCheckpoint(): Promise<void> {
    // Between two applies: every output of a turn after `through` lies past the ends taken here.
    while (this.applying) await this.applying;
    const through = this.appliedThrough;
    const ends: Record<string, number[]> = {};
    for (const name of this.store.topicNames()) ends[name] = this.store.openTopic(name)!.partitions.map((p) => p.endOffset);
    await this.store.sync();
    await writeCheckpoint(this.store.options.fileSystem, join(this.store.dir, actorsFolder, 'applied.json'), { through, ends }, this.store.options.fsync !== 'never');
    this.checkpointed = through;
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new HopbusError('transport_closed', `Cannot ${operation}: the log transport (${this.store.dir}) was closed. Create a new bus to go on.`);
  }
}

function stateKey(actor: string, key: string): string {
  return `${actor}\u0000${key}`;
}
