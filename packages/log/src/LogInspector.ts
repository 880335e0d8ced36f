import { HopbusError } from '@hopbus/core';
import { readTurnJournal } from './actors/TurnJournal.js';
import { readAllGroupOffsets } from './groupOffsetsFile.js';
import { readRetention } from './retentionFile.js';
import type { StoredRetention } from './retentionFile.js';
import { retentionOf } from './LogOptions.js';
import type { LogOptions } from './LogOptions.js';
import type { LogRecord } from './LogRecord.js';
import type { StoredRecord } from './StoredRecord.js';
import { LogStore } from './LogStore.js';
import type { LogTopic } from './LogTopic.js';

export interface PartitionDescription {
  readonly partition: number;
  /** The first retained offset. */
  readonly startOffset: number;
  /** The offset the next record will get. */
  readonly endOffset: number;
  readonly bytes: number;
  readonly segments: number;
  readonly oldestTimestamp: number | undefined;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: readonly PartitionDescription[];
  /** Records retained, over all partitions. */
  readonly records: number;
  readonly bytes: number;
  readonly oldestTimestamp: number | undefined;
  /**
   * The retention of the bus that last opened the dir (`source: 'owner'`), or, when none was
   * recorded, the options this inspector was opened with (`source: 'inspector'`).
   */
  readonly retention: { readonly maxAgeMs: number; readonly maxBytes: number; readonly source: 'owner' | 'inspector' };
}

export interface GroupDescription {
  readonly topic: string;
  readonly group: string;
  /** When the position was last written (ms since the epoch). */
  readonly updatedAt: number;
  readonly partitions: readonly { readonly partition: number; readonly committed: number; readonly endOffset: number; readonly lag: number }[];
  /** Records not yet consumed, over all partitions. */
  readonly lag: number;
}

/** One key of a keyed actor, as its committed turns left it. */
export interface ActorKeyDescription {
  readonly actor: string;
  readonly key: string;
  /** The key's stored state (what the runtime stores: JSON of its `@State()` fields and the inputs applied). */
  readonly state: Uint8Array;
  /** Turns committed for the key. */
  readonly turns: number;
  /** The last committed turn: its outputs' topics (one entry per output) and when its first output was made. */
  readonly lastTurn: { readonly outputs: readonly string[]; readonly timestamp: number | undefined };
}

export interface ReadOptions {
  readonly partition?: number;
  /** Start here (default: the first retained offset) ... */
  readonly offset?: number;
  /** ... or at the first record at or after this time (ms since the epoch). */
  readonly timestamp?: number;
  /** At most this many records (default 100). */
  readonly limit?: number;
}

/**
 * A read-only view of a data dir for tools (the hopbus CLI): topics, groups and lag, records.
 * Takes no lock and changes nothing, so it can look at the dir of a running bus: it shows what
 * was complete on disk when it was opened (`refresh()` by opening a new one).
 */
export class LogInspector {
  private readonly retention: { readonly policies: StoredRetention; readonly source: 'owner' | 'inspector' };

  private constructor(private readonly store: LogStore) {
    const stored = readRetention(store.options.fileSystem, store.dir);
    this.retention = stored ? { policies: stored, source: 'owner' } : { policies: store.options.retention, source: 'inspector' };
  }

  /** Opens `dir` read-only. Sealed segments are checked from their last index entry on (`verifyOnOpen: 'full'` checks all). */
  static async open(dir: string, options: Omit<LogOptions, 'dir'> = {}): Promise<LogInspector> {
    return new LogInspector(await LogStore.open({ verifyOnOpen: 'tail', ...options, dir }, { readOnly: true }));
  }

  /** Every topic, described. */
  listTopics(): TopicDescription[] {
    return this.store.topicNames().map((name) => this.describeTopic(name));
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.topic(name);
    const partitions = topic.partitions.map((p) => ({
      partition: p.index,
      startOffset: p.startOffset,
      endOffset: p.endOffset,
      bytes: p.bytes,
      segments: p.segmentCount,
      oldestTimestamp: p.oldestTimestamp,
    }));
    const oldest = partitions.map((p) => p.oldestTimestamp).filter((t): t is number => t !== undefined);
    return {
      name,
      partitions,
      records: partitions.reduce((sum, p) => sum + p.endOffset - p.startOffset, 0),
      bytes: partitions.reduce((sum, p) => sum + p.bytes, 0),
      oldestTimestamp: oldest.length > 0 ? Math.min(...oldest) : undefined,
      retention: { ...retentionOf(this.retention.policies, name), source: this.retention.source },
    };
  }

  /** Every group of `topic` (or of every topic), with its committed offset and lag per partition. */
  listGroups(topicName?: string): GroupDescription[] {
    const names = topicName === undefined ? this.store.topicNames() : [topicName];
    const all: GroupDescription[] = [];
    for (const name of names) {
      const topic = this.topic(name);
      for (const saved of readAllGroupOffsets(this.store.options.fileSystem, topic.dir).sort((a, b) => a.group.localeCompare(b.group))) {
        const partitions = topic.partitions.map((p, i) => {
          const committed = Math.min(Math.max(saved.offsets[i] ?? p.startOffset, p.startOffset), p.endOffset);
          return { partition: i, committed, endOffset: p.endOffset, lag: p.endOffset - committed };
        });
        all.push({ topic: name, group: saved.group, updatedAt: saved.updatedAt, partitions, lag: partitions.reduce((s, p) => s + p.lag, 0) });
      }
    }
    return all;
  }

  /**
   * Every key of every keyed actor (or of `actor`, or the one `key`), from the turn journal, sorted
   * by actor then key. Shows what was complete on disk: a turn being written is not seen.
   */
  listActors(filter: { readonly actor?: string; readonly key?: string } = {}): ActorKeyDescription[] {
    const latest = new Map<string, { actor: string; key: string; state: Uint8Array; turns: number; outputs: string[]; timestamp: number | undefined }>();
    for (const turn of readTurnJournal(this.store.options.fileSystem, this.store.dir)) {
      if ((filter.actor !== undefined && turn.actor !== filter.actor) || (filter.key !== undefined && turn.key !== filter.key)) continue;
      const id = `${turn.actor}\u0000${turn.key}`;
      const known = latest.get(id);
      latest.set(id, {
        actor: turn.actor,
        key: turn.key,
        state: turn.state,
        turns: (known?.turns ?? 0) + 1,
        outputs: turn.records.map((r) => r.topic),
        timestamp: turn.records[0]?.timestamp,
      });
    }
    return [...latest.values()]
      .sort((a, b) => (a.actor === b.actor ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.actor < b.actor ? -1 : 1))
      .map(({ outputs, timestamp, ...rest }) => ({ ...rest, lastTurn: { outputs, timestamp } }));
  }

  /** Records of one partition (default 0) from an offset or a time, in offset order. */
  async readRecords(topicName: string, options: ReadOptions = {}): Promise<LogRecord[]> {
    const topic = this.topic(topicName);
    const index = options.partition ?? 0;
    const partition = topic.partitions[index];
    if (!partition) throw new HopbusError('not_found', `Topic ${topicName} has no partition ${index} (it has ${topic.partitions.length}).`);
    const limit = options.limit ?? 100;
    let offset = options.timestamp !== undefined ? await partition.offsetForTimestamp(options.timestamp) : (options.offset ?? partition.startOffset);
    const records: LogRecord[] = [];
    while (records.length < limit && offset < partition.endOffset) {
      const out: StoredRecord[] = [];
      const { next } = await partition.read(offset, this.store.options.fetchBytes, out);
      for (const record of out) if (records.length < limit) records.push(record.toJSON());
      if (next <= offset) break;
      offset = next;
    }
    return records;
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private topic(name: string): LogTopic {
    const topic = this.store.openTopic(name);
    if (!topic) throw new HopbusError('not_found', `There is no topic ${name} in ${this.store.dir}. Known topics: ${this.store.topicNames().join(', ') || 'none'}.`);
    return topic;
  }
}
