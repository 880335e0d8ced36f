import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { CorruptLogError } from './CorruptLogError.js';
import { dirMode, makeDirDurable, writeFileAtomic } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';
import type { ResolvedLogOptions } from './LogOptions.js';
import { LogPartition } from './LogPartition.js';
import { partitionForKey } from './partitionForKey.js';
import { topicMetaAdvice } from './topicMetaAdvice.js';

/** The file in a topic folder that remembers the topic's partition count. */
export const topicMetaFile = 'topic.json';

/**
 * A topic: its partitions, in folders `0`, `1`, ... A key always maps to one partition
 * (FNV-1a), so order per key holds; keyless records go round robin.
 */
export class LogTopic {
  private roundRobin = 0;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly partitions: readonly LogPartition[],
  ) {}

  /**
   * Opens the topic in `dir`. A new topic (writable store only) gets `partitions`; an existing
   * one keeps the count on disk, and a different count asked for explicitly is a config error.
   */
  static async open(name: string, dir: string, options: ResolvedLogOptions, create: boolean): Promise<LogTopic | undefined> {
    const metaPath = join(dir, topicMetaFile);
    const fs = options.fileSystem;
    let count = readPartitionCount(fs, metaPath);
    const asked = typeof options.partitions === 'number' ? undefined : options.partitions[name];
    if (count === undefined) {
      if (!create || options.readOnly) return undefined;
      count = asked ?? (typeof options.partitions === 'number' ? options.partitions : 1);
      await makeDirDurable(fs, dir, dirMode, options.fsync !== 'never');
      const meta = JSON.stringify({ version: 1, name, partitions: count, createdAt: new Date().toISOString() });
      await writeFileAtomic(fs, metaPath, `${meta}\n`, options.fsync !== 'never'); // a first publish to a new topic: no fsync on the event loop
    } else if (asked !== undefined && asked !== count) {
      throw new HopbusError(
        'config',
        `Topic ${name} has ${count} partitions on disk but the options ask for ${asked}. A topic keeps its partition count (keys map to partitions); remove the option or move the data to a new topic.`,
      );
    }
    const partitions: LogPartition[] = [];
    for (let i = 0; i < count; i++) partitions.push(await LogPartition.open(join(dir, String(i)), name, i, options));
    return new LogTopic(name, dir, partitions);
  }

  /** The partition a record goes to. */
  partitionOf(record: OutgoingRecord): LogPartition {
    const partitions = this.partitions;
    if (partitions.length === 1) return partitions[0]!;
    if (record.key !== undefined) return partitions[partitionForKey(record.key, partitions.length)]!;
    this.roundRobin = (this.roundRobin + 1) % partitions.length;
    return partitions[this.roundRobin]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.close()));
  }
}

function readPartitionCount(fs: FileSystem, path: string): number | undefined {
  let text: string;
  try {
    text = fs.readTextSync(path);
  } catch {
    return undefined;
  }
  try {
    const meta = JSON.parse(text) as { partitions?: unknown };
    if (typeof meta.partitions === 'number' && Number.isInteger(meta.partitions) && meta.partitions >= 1 && meta.partitions <= 1024) return meta.partitions;
  } catch {
    // falls through
  }
  throw new CorruptLogError(path, 0, 'the topic description is not valid JSON with a partition count', { advice: topicMetaAdvice(path) });
}
