import { HopbusError } from '@hopbus/core';
import { fileSystemOf } from './FileSystem.js';
import type { FileSystem } from './FileSystem.js';
import { mayHaveLostRecords } from './recoveryToLogger.js';
import { TailCacheBudget } from './TailCache.js';

/**
 * When `publish()` resolves, and what survives:
 * - `always` (default): the batch was written and fdatasync'ed; it survives a process crash
 *   and a power loss.
 * - `interval`: the batch was written; a timer syncs every `fsyncIntervalMs`, and a segment is
 *   synced when it is sealed. It survives a process crash (the kernel holds it); a power loss
 *   loses only what was acknowledged after the last completed sync (about the last interval).
 * - `never`: the batch was written; the kernel syncs when it likes. A process crash loses
 *   nothing, a power loss may lose anything not yet flushed by the kernel.
 */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface LogOptions {
  /** The data dir; one process owns it at a time (a lock file holds the owner's pid). */
  readonly dir: string;
  /** Partitions of a new topic: one count for every topic, or per topic name (default 1). A topic keeps the count it was created with. */
  readonly partitions?: number | Readonly<Record<string, number>>;
  readonly fsync?: FsyncPolicy;
  /** With fsync 'interval': how often dirty files are synced (default 100 ms). */
  readonly fsyncIntervalMs?: number;
  /** A segment is sealed and a new one started past this size (default 64 MiB). */
  readonly segmentBytes?: number;
  /** ... or once its first record is older than this (default 7 days). */
  readonly segmentMs?: number;
  /** How long and how much each topic keeps (default: 7 days, no size cap), applied by a background sweep. */
  readonly retention?: RetentionOptions;
  /** One index entry at most every this many bytes of log (default 4 KiB). */
  readonly indexIntervalBytes?: number;
  /** Batches written by one group commit are cut at this size (default 1 MiB; a bigger record gets its own batch). */
  readonly maxBatchBytes?: number;
  /** How much a consumer reads from disk at once (default 1 MiB). */
  readonly fetchBytes?: number;
  /**
   * Memory for the batches written last, kept per partition (at most 1 MiB each) so that
   * consumers at the tail read them without reading the file back (default 64 MiB for the
   * whole log; 0 turns it off). Consumers further behind read from disk.
   */
  readonly tailCacheBytes?: number;
  /** How often consumer group positions are written to disk (default 200 ms); `LogTransport#commit()` writes them at once. */
  readonly commitIntervalMs?: number;
  /**
   * Invalid bytes inside a sealed segment or a group offsets file: `fail` (default) refuses to
   * open with CorruptLogError; `truncate` cuts the segment at the last valid batch (records after
   * it in that segment are lost; later segments are kept, leaving a gap in offsets) and sends a
   * group with a corrupt offsets file back to the earliest record (at-least-once: nothing is lost).
   */
  readonly onCorruption?: 'fail' | 'truncate';
  /**
   * What open checks: `full` (default) reads every segment and checks every CRC; `tail` trusts
   * sealed segments up to their last index entry and checks only from there (fast open of a big
   * log; corruption deeper in is still found when a consumer reads it, never skipped).
   */
  readonly verifyOnOpen?: 'full' | 'tail';
  /**
   * Told what open repaired: a torn tail cut, an index rebuilt, a group reset, a stale lock taken
   * over. Default: a line on stderr for what may have dropped records (a cut, a group sent back),
   * nothing for the rest.
   */
  readonly onRecovery?: (event: RecoveryEvent) => void;
}

/**
 * What a topic keeps. Retention deletes whole sealed segments, oldest first, never the segment
 * being written, so a topic may hold up to one segment per partition more than asked.
 */
export interface RetentionPolicy {
  /** Sealed segments whose newest record is older than this are deleted (default 7 days). */
  readonly maxAgeMs?: number;
  /** The most a topic keeps on disk, all its partitions together (default: no cap). */
  readonly maxBytes?: number;
}

export interface RetentionOptions extends RetentionPolicy {
  /** Per topic name: overrides `maxAgeMs` and `maxBytes` for that topic (a field left out keeps the log's). */
  readonly topics?: Readonly<Record<string, RetentionPolicy>>;
  /** How often the background sweep applies retention (default 60 s). */
  readonly checkIntervalMs?: number;
}

/** A topic's retention with defaults applied; `maxBytes` is Infinity for no cap. */
export interface TopicRetention {
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

export interface ResolvedRetention extends TopicRetention {
  readonly topics: Readonly<Record<string, TopicRetention>>;
  readonly checkIntervalMs: number;
}

export interface RecoveryEvent {
  readonly kind: 'truncated' | 'index_rebuilt' | 'group_reset' | 'stale_lock';
  readonly file: string;
  readonly detail: string;
}

export type ResolvedLogOptions = Required<Omit<LogOptions, 'partitions' | 'onRecovery' | 'tailCacheBytes' | 'retention'>> & {
  readonly retention: ResolvedRetention;
  /** Shared by every partition of the log. */
  readonly tailCache: TailCacheBudget;
  readonly partitions: number | Readonly<Record<string, number>>;
  readonly onRecovery: (event: RecoveryEvent) => void;
  readonly readOnly: boolean;
  /** Where every file call goes: node:fs, or what a test gave withFileSystem. */
  readonly fileSystem: FileSystem;
  /** Told, as open checks segments, how many more bytes of `file` it has read, trusted or cut: each segment's calls add up to its size. */
  readonly onBytesChecked?: (file: string, bytes: number) => void;
};

const day = 24 * 60 * 60 * 1000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new HopbusError('config', `Log option ${name} must be a positive number, got ${String(value)}.`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new HopbusError('config', `Log option ${name} must be a number of bytes, 0 or more, got ${String(value)}.`);
  }
  return value;
}

/** The default onRecovery: says on stderr when open cut records or sent a group back. */
function warnOfLoss(event: RecoveryEvent): void {
  if (mayHaveLostRecords(event)) console.warn(`hopbus log: ${event.file}: ${event.detail}`);
}

/** Options of earlier versions, and what replaced each. */
const replacedOptions: Readonly<Record<string, string>> = {
  retentionMs: 'retention: { maxAgeMs }',
  retentionBytes: 'retention: { maxBytes } (a cap per topic, all partitions together)',
  retentionCheckIntervalMs: 'retention: { checkIntervalMs }',
};

function resolveRetention(retention: RetentionOptions): ResolvedRetention {
  const maxAgeMs = positive('retention.maxAgeMs', retention.maxAgeMs, 7 * day);
  const maxBytes = positive('retention.maxBytes', retention.maxBytes, Number.POSITIVE_INFINITY);
  // fromEntries makes every name an own property, `__proto__` too (an assignment would set the prototype).
  const topics: Record<string, TopicRetention> = Object.fromEntries(
    Object.entries(retention.topics ?? {}).map(([name, policy]) => [
      name,
      {
        maxAgeMs: positive(`retention.topics['${name}'].maxAgeMs`, policy.maxAgeMs, maxAgeMs),
        maxBytes: positive(`retention.topics['${name}'].maxBytes`, policy.maxBytes, maxBytes),
      },
    ]),
  );
  return { maxAgeMs, maxBytes, topics, checkIntervalMs: positive('retention.checkIntervalMs', retention.checkIntervalMs, 60_000) };
}

/** The retention of topic `name`: its own, or the log's. */
export function retentionOf(retention: TopicRetention & { readonly topics: Readonly<Record<string, TopicRetention>> }, name: string): TopicRetention {
  const { maxAgeMs, maxBytes } = Object.hasOwn(retention.topics, name) ? retention.topics[name]! : retention;
  return { maxAgeMs, maxBytes };
}

/** Applies defaults and checks every option; throws `config` naming the bad one. */
export function resolveLogOptions(options: LogOptions, readOnly = false): ResolvedLogOptions {
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new HopbusError('config', "The log transport needs a data dir: use 'log:./.hopbus' or new LogTransport({ dir }).");
  }
  for (const [name, replacement] of Object.entries(replacedOptions)) {
    if (name in options) throw new HopbusError('config', `Log option ${name} is no longer read: use ${replacement}.`);
  }
  const fsync = options.fsync ?? 'always';
  if (fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') {
    throw new HopbusError('config', `Log option fsync must be 'always', 'interval' or 'never', got ${JSON.stringify(fsync)}.`);
  }
  const partitions = options.partitions ?? 1;
  const counts = typeof partitions === 'number' ? [partitions] : Object.values(partitions);
  for (const count of counts) {
    if (!(Number.isInteger(count) && count >= 1 && count <= 1024)) {
      throw new HopbusError('config', `Log option partitions must be whole numbers from 1 to 1024, got ${String(count)}.`);
    }
  }
  const onCorruption = options.onCorruption ?? 'fail';
  if (onCorruption !== 'fail' && onCorruption !== 'truncate') {
    throw new HopbusError('config', `Log option onCorruption must be 'fail' or 'truncate', got ${JSON.stringify(onCorruption)}.`);
  }
  const verifyOnOpen = options.verifyOnOpen ?? 'full';
  if (verifyOnOpen !== 'full' && verifyOnOpen !== 'tail') {
    throw new HopbusError('config', `Log option verifyOnOpen must be 'full' or 'tail', got ${JSON.stringify(verifyOnOpen)}.`);
  }
  return {
    dir: options.dir,
    partitions,
    fsync,
    fsyncIntervalMs: positive('fsyncIntervalMs', options.fsyncIntervalMs, 100),
    segmentBytes: Math.min(positive('segmentBytes', options.segmentBytes, 64 * 1024 * 1024), 2 ** 31),
    segmentMs: positive('segmentMs', options.segmentMs, 7 * day),
    retention: resolveRetention(options.retention ?? {}),
    indexIntervalBytes: positive('indexIntervalBytes', options.indexIntervalBytes, 4096),
    maxBatchBytes: positive('maxBatchBytes', options.maxBatchBytes, 1024 * 1024),
    fetchBytes: positive('fetchBytes', options.fetchBytes, 1024 * 1024),
    commitIntervalMs: positive('commitIntervalMs', options.commitIntervalMs, 200),
    tailCache: new TailCacheBudget(nonNegative('tailCacheBytes', options.tailCacheBytes, 64 * 1024 * 1024)),
    onCorruption,
    verifyOnOpen,
    onRecovery: options.onRecovery ?? warnOfLoss,
    readOnly,
    fileSystem: fileSystemOf(options),
  };
}
