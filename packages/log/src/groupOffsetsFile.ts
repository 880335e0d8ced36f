import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { HopbusError } from '@hopbus/core';
import { CorruptLogError } from './CorruptLogError.js';
import { dirMode, makeDirDurable, writeFileAtomic } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';

/** Folder, inside a topic folder, of the committed positions of its groups. */
export const groupsFolder = 'groups';

/** The committed position of one group on one topic: per partition, the next offset to consume. */
export interface GroupOffsets {
  readonly group: string;
  readonly offsets: readonly number[];
  readonly updatedAt: number;
  /**
   * Names the group's position since it was last moved: a running group keeps it in every
   * commit and records it with its heads (see groupHeadsFile), which count only under the same
   * epoch. A move (reset, replay, repair) writes none, which voids the heads; the group then
   * takes a new one (newGroupEpoch) as it opens.
   */
  readonly epoch?: string;
}

/** A fresh epoch for a group's position: random, so that no heads recorded before can match it. */
export function newGroupEpoch(): string {
  return randomBytes(8).toString('hex');
}

const safeName = /^[A-Za-z0-9_-]{1,100}$/;

/** The longest group name, in bytes of UTF-8: its file name (in hex when it is not plain) must fit a file system's 255. */
export const maxGroupNameBytes = 100;

/** Refuses (`config`) a group name that cannot name a file: empty, or longer than maxGroupNameBytes in UTF-8. */
export function validateGroupName(group: string): void {
  const bytes = Buffer.byteLength(group);
  if (bytes >= 1 && bytes <= maxGroupNameBytes) return;
  const shown = group.length > 40 ? `${JSON.stringify(group.slice(0, 40))}…` : JSON.stringify(group);
  throw new HopbusError(
    'config',
    bytes === 0
      ? 'The consumer group name is empty. Give the subscription a group (by default it is the actor name).'
      : `The consumer group name ${shown} is ${bytes} bytes long; the log allows at most ${maxGroupNameBytes} bytes of UTF-8 (it names a file). Give the subscription a shorter group (the group option of @Subscribe, or a shorter actor name).`,
  );
}

/** The file name for a group: the name itself when it is plain, else `~` and its UTF-8 in hex. Refuses (`config`) a name validateGroupName refuses. */
export function groupFileName(group: string): string {
  validateGroupName(group);
  if (safeName.test(group)) return `${group}.offsets`;
  return `~${Buffer.from(group).toString('hex')}.offsets`;
}

/** Where a group's offsets file is, in the topic folder `topicDir`. */
export function groupOffsetsPath(topicDir: string, group: string): string {
  return join(topicDir, groupsFolder, groupFileName(group));
}

/** The group an offsets file name stands for (the inverse of groupFileName). */
export function groupOfFile(fileName: string): string | undefined {
  if (!fileName.endsWith('.offsets')) return undefined;
  const name = fileName.slice(0, -'.offsets'.length);
  if (!name.startsWith('~')) return safeName.test(name) ? name : undefined;
  const hex = name.slice(1);
  return /^(?:[0-9a-f]{2})+$/.test(hex) ? Buffer.from(hex, 'hex').toString('utf8') : undefined;
}

/**
 * Writes a group's position: one JSON line and its CRC32C, replaced atomically (temp file,
 * fsync, rename, fsync of the folder when `durable`). A crash leaves the old file or the new one.
 */
export async function writeGroupOffsets(fs: FileSystem, topicDir: string, value: GroupOffsets, durable: boolean): Promise<void> {
  const dir = join(topicDir, groupsFolder);
  await makeDirDurable(fs, dir, dirMode, durable); // every commit: nothing synchronous on the consume path; a no-op once the folder exists
  const json = JSON.stringify({ version: 1, group: value.group, offsets: value.offsets, updatedAt: value.updatedAt, epoch: value.epoch });
  await writeFileAtomic(fs, groupOffsetsPath(topicDir, value.group), `${json}\n${crc32c(json).toString(16).padStart(8, '0')}\n`, durable);
}

/** Parses one offsets file; throws CorruptLogError when it is damaged. */
export function readGroupOffsetsFile(fs: FileSystem, path: string): GroupOffsets {
  const text = fs.readTextSync(path);
  const lines = text.split('\n');
  const json = lines[0] ?? '';
  const crc = lines[1] ?? '';
  if (crc !== crc32c(json).toString(16).padStart(8, '0')) throw new CorruptLogError(path, 0, 'group offsets fail their CRC32C');
  try {
    const parsed = JSON.parse(json) as { group?: unknown; offsets?: unknown; updatedAt?: unknown; epoch?: unknown };
    if (
      typeof parsed.group === 'string' &&
      Array.isArray(parsed.offsets) &&
      parsed.offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
    ) {
      const epoch = typeof parsed.epoch === 'string' ? parsed.epoch : undefined;
      return { group: parsed.group, offsets: parsed.offsets as number[], updatedAt: typeof parsed.updatedAt === 'number' ? parsed.updatedAt : 0, epoch };
    }
  } catch (cause) {
    throw new CorruptLogError(path, 0, 'group offsets are not valid JSON', { cause });
  }
  throw new CorruptLogError(path, 0, 'group offsets lack a group name or offsets');
}

/**
 * Every group's position on the topic in `topicDir`. A damaged file throws CorruptLogError,
 * unless `onCorrupt` is given: then it is told and the group is left out.
 */
export function readAllGroupOffsets(fs: FileSystem, topicDir: string, onCorrupt?: (error: CorruptLogError) => void): GroupOffsets[] {
  const dir = join(topicDir, groupsFolder);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const all: GroupOffsets[] = [];
  for (const name of names) {
    if (!name.endsWith('.offsets')) continue;
    try {
      all.push(readGroupOffsetsFile(fs, join(dir, name)));
    } catch (error) {
      if (error instanceof CorruptLogError && onCorrupt) onCorrupt(error);
      else throw error;
    }
  }
  return all;
}
