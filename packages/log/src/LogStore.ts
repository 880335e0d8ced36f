import { basename, join, resolve, sep } from 'node:path';
import type { CorruptLogError } from './CorruptLogError.js';
import { groupOfFile, readAllGroupOffsets, writeGroupOffsets } from './groupOffsetsFile.js';
import { HopbusError, validateTopicName } from '@hopbus/core';
import { DirLock } from './DirLock.js';
import { dataDirError } from './dataDirError.js';
import { dirMode, makeDirDurable } from './fileIo.js';
import type { LogOptions, ResolvedLogOptions } from './LogOptions.js';
import { resolveLogOptions, retentionOf } from './LogOptions.js';
import { applyRetention } from './applyRetention.js';
import { LogTopic, topicMetaFile } from './LogTopic.js';
import { writeRetention } from './retentionFile.js';

/**
 * The storage engine under a data dir: topics, their partitions and segments. A writable store
 * holds the dir's lock, recovers every topic on open, syncs (fsync 'interval') and applies
 * retention on unref'd background timers, never on the publish path. A read-only store takes no
 * lock and changes nothing: it shows what is complete on disk.
 */
export class LogStore {
  private readonly topics = new Map<string, LogTopic>();
  private readonly opening = new Map<string, Promise<LogTopic | undefined>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly options: ResolvedLogOptions,
    private readonly lock: DirLock | undefined,
  ) {}

  /**
   * Opens the store: takes the lock (writable), then opens and recovers every topic on disk,
   * telling `onBytesChecked` how far the check of the segments got (for a progress bar).
   * Rejects with `locked`, `corrupt_log` (CorruptLogError) or `config` (also when the dir cannot be
   * created or written: a file in its place, no permission); the lock is released on failure.
   */
  static async open(options: LogOptions, mode: { readOnly?: boolean; onBytesChecked?: (file: string, bytes: number) => void } = {}): Promise<LogStore> {
    const resolved: ResolvedLogOptions = { ...resolveLogOptions(options, mode.readOnly ?? false), onBytesChecked: mode.onBytesChecked };
    const dir = resolve(resolved.dir);
    let lock: DirLock | undefined;
    if (!resolved.readOnly) {
      try {
        await makeDirDurable(resolved.fileSystem, dir, dirMode, resolved.fsync !== 'never');
        const onStale = (pid: number): void => resolved.onRecovery({ kind: 'stale_lock', file: join(dir, '.lock'), detail: `took over the lock of process ${pid}, which no longer runs` });
        lock = DirLock.acquire(dir, onStale, Date.now, resolved.fileSystem);
      } catch (error) {
        throw dataDirError(dir, error);
      }
    } else if (!resolved.fileSystem.existsSync(dir)) {
      throw new HopbusError('not_found', `There is no log data dir at ${dir}.`);
    }
    const store = new LogStore(dir, resolved, lock);
    try {
      for (const name of store.topicNamesOnDisk()) await store.topic(name, false);
      if (!resolved.readOnly) {
        await store.checkGroups();
        writeRetention(resolved.fileSystem, dir, resolved.retention, resolved.fsync !== 'never'); // once per open: its fsyncs may block
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    if (!resolved.readOnly) store.startTimers();
    return store;
  }

  /** Names of the topics on disk, sorted. */
  topicNamesOnDisk(): string[] {
    const fs = this.options.fileSystem;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((name) => !name.startsWith('.') && fs.existsSync(join(this.dir, name, topicMetaFile))).sort();
  }

  /** Names of the topics open in this store, sorted. */
  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** The folder of a topic; refuses a name that is not a valid topic or would leave the data dir. */
  topicDir(name: string): string {
    validateTopicName(name);
    const dir = resolve(this.dir, name);
    if (!dir.startsWith(this.dir + sep) || dir.slice(this.dir.length + 1).includes(sep)) {
      throw new HopbusError('invalid_topic', `Topic ${JSON.stringify(name)} would be stored outside the data dir ${this.dir}.`);
    }
    return dir;
  }

  /** The open topic `name`, if already open (synchronous fast path for publish). */
  openTopic(name: string): LogTopic | undefined {
    return this.topics.get(name);
  }

  /** Opens `name`, creating it when `create` (writable stores); undefined when it does not exist. */
  topic(name: string, create: boolean): Promise<LogTopic | undefined> {
    const open = this.topics.get(name);
    if (open) return Promise.resolve(open);
    if (this.closed) return Promise.reject(new HopbusError('transport_closed', `The log store at ${this.dir} is closed.`));
    let opening = this.opening.get(name);
    if (!opening) {
      const dir = this.topicDir(name);
      opening = LogTopic.open(name, dir, this.options, create).then(
        (topic) => {
          this.opening.delete(name);
          if (topic) this.topics.set(name, topic);
          return topic;
        },
        (error: unknown) => {
          this.opening.delete(name);
          throw error;
        },
      );
      this.opening.set(name, opening);
    }
    return opening;
  }

  /**
   * Reads every group's offsets file. A damaged one fails the open (CorruptLogError), or with
   * onCorruption 'truncate' sends the group back to the earliest record: some records come
   * again, none is lost.
   */
  private async checkGroups(): Promise<void> {
    for (const topic of this.topics.values()) {
      const damaged: CorruptLogError[] = [];
      readAllGroupOffsets(this.options.fileSystem, topic.dir, this.options.onCorruption === 'truncate' ? (e) => damaged.push(e) : undefined);
      for (const error of damaged) {
        const group = groupOfFile(basename(error.file));
        if (group === undefined) continue;
        const offsets = topic.partitions.map((p) => p.startOffset);
        await writeGroupOffsets(this.options.fileSystem, topic.dir, { group, offsets, updatedAt: Date.now() }, this.options.fsync !== 'never');
        this.options.onRecovery({ kind: 'group_reset', file: error.file, detail: `group ${group} had damaged offsets; moved to the earliest record` });
      }
    }
  }

  /** Applies each topic's retention now; returns the number of segments deleted. */
  applyRetention(now = Date.now()): number {
    let deleted = 0;
    for (const topic of this.topics.values()) deleted += applyRetention(topic.partitions, retentionOf(this.options.retention, topic.name), now);
    return deleted;
  }

  /** Syncs every partition written since its last sync. */
  async sync(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const topic of this.topics.values()) for (const partition of topic.partitions) all.push(partition.sync());
    await Promise.all(all);
  }

  private startTimers(): void {
    const retention = setInterval(() => this.applyRetention(), this.options.retention.checkIntervalMs);
    retention.unref();
    this.timers.push(retention);
    if (this.options.fsync === 'interval') {
      let syncing = false;
      const sync = setInterval(() => {
        if (syncing) return;
        syncing = true;
        this.sync().then(
          () => (syncing = false),
          () => (syncing = false), // a failed sync is retried next tick; close reports nothing more
        );
      }, this.options.fsyncIntervalMs);
      sync.unref();
      this.timers.push(sync);
    }
  }

  /** Flushes appends in flight, syncs, closes every file and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.opening.values()]);
    try {
      await Promise.all([...this.topics.values()].map((t) => t.close()));
    } finally {
      this.topics.clear();
      this.lock?.release();
    }
  }
}
