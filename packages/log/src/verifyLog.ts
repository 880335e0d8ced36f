import { closeSync, existsSync, fstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { openFile } from './fileIo.js';
import { nodeFileSystem } from './FileSystem.js';
import { readAllGroupOffsets } from './groupOffsetsFile.js';
import { topicMetaFile } from './LogTopic.js';
import { scanSegment } from './scanSegment.js';
import { topicMetaAdvice } from './topicMetaAdvice.js';
import { Segment, segmentBasesIn, segmentName } from './Segment.js';

export interface LogProblem {
  readonly file: string;
  readonly position: number;
  readonly reason: string;
  /**
   * `corrupt`: invalid bytes where a batch or a group position must be (repairLog cuts or resets
   * there); `torn_tail`: the active segment ends in a partial batch (normal after a crash, or a
   * write in progress; cut on open); `index`: an index that does not match its segment (rebuilt
   * on open); `topic_description`: a topic.json without a valid partition count, which repairLog
   * cannot rebuild (the reason says what to do). `corrupt` and `topic_description` make a log not ok.
   */
  readonly kind: 'corrupt' | 'torn_tail' | 'index' | 'topic_description';
}

export interface VerifyProgress {
  readonly file: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface VerifyReport {
  /** True when nothing is corrupt (torn tails and index mismatches are repaired by a normal open). */
  readonly ok: boolean;
  readonly topics: number;
  readonly segments: number;
  readonly bytes: number;
  readonly problems: readonly LogProblem[];
}

interface SegmentWork {
  readonly file: string;
  readonly dir: string;
  readonly base: number;
  readonly last: boolean;
  readonly size: number;
}

/**
 * Reads every segment, index and group offsets file under `dir`: every CRC, the offset
 * sequence, every index entry. Reports each problem with its file and byte position. Changes
 * nothing and takes no lock (a running owner's active segment may show a torn tail).
 */
export async function verifyLog(dir: string, options: { onProgress?: (progress: VerifyProgress) => void } = {}): Promise<VerifyReport> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new HopbusError('not_found', `There is no log data dir at ${root}.`);
  const problems: LogProblem[] = [];
  const work: SegmentWork[] = [];
  let topics = 0;
  for (const name of readdirSync(root).sort()) {
    const topicDir = join(root, name);
    if (name.startsWith('.') || !existsSync(join(topicDir, topicMetaFile))) continue;
    topics++;
    const count = readPartitionCount(join(topicDir, topicMetaFile), problems);
    for (let p = 0; p < count; p++) {
      const partitionDir = join(topicDir, String(p));
      const bases = segmentBasesIn(existsSync(partitionDir) ? readdirSync(partitionDir) : []);
      bases.forEach((base, i) => {
        const file = join(partitionDir, `${segmentName(base)}.log`);
        work.push({ file, dir: partitionDir, base, last: i === bases.length - 1, size: statSync(file).size });
      });
    }
    readAllGroupOffsets(nodeFileSystem, topicDir, (error) => problems.push({ file: error.file, position: error.position, reason: 'group offsets are damaged', kind: 'corrupt' }));
  }
  const bytesTotal = work.reduce((sum, w) => sum + w.size, 0);
  let bytesDone = 0;
  let previous: { dir: string; next: number } | undefined;
  for (const item of work) {
    const fd = await openFile(nodeFileSystem, item.file, true);
    try {
      const segment = new Segment(item.dir, item.base, fd, nodeFileSystem);
      const fileSize = fstatSync(fd).size;
      if (previous?.dir === item.dir && item.base < previous.next) {
        problems.push({ file: item.file, position: 0, reason: `segment starts at offset ${item.base}, inside the previous segment`, kind: 'corrupt' });
      }
      const index = readIndex(segment.indexPath);
      const unmatched = new Map<number, number>(index.entries);
      const scan = await scanSegment(
        segment,
        0,
        item.base,
        fileSize,
        4096,
        (bytes) => {
          bytesDone += bytes;
          options.onProgress?.({ file: item.file, bytesDone, bytesTotal });
        },
        (position, baseOffset) => {
          if (unmatched.get(position) === baseOffset) unmatched.delete(position);
        },
      );
      if (scan.problem) {
        const kind = item.last && scan.problem.torn ? 'torn_tail' : 'corrupt';
        problems.push({ file: item.file, position: scan.problem.position, reason: scan.problem.reason, kind });
      }
      bytesDone += fileSize - scan.end;
      options.onProgress?.({ file: item.file, bytesDone, bytesTotal });
      previous = { dir: item.dir, next: segment.nextOffset };
      if (index.problem) problems.push({ file: segment.indexPath, position: index.problem.position, reason: index.problem.reason, kind: 'index' });
      else if (unmatched.size > 0) {
        const [position, offset] = [...unmatched][0]!;
        problems.push({ file: segment.indexPath, position: 0, reason: `${unmatched.size} entries point at no batch (first: offset ${offset} at byte ${position})`, kind: 'index' });
      }
    } finally {
      closeSync(fd);
    }
  }
  return { ok: !problems.some((p) => p.kind === 'corrupt' || p.kind === 'topic_description'), topics, segments: work.length, bytes: bytesTotal, problems };
}

function readPartitionCount(path: string, problems: LogProblem[]): number {
  try {
    const count = (JSON.parse(readFileSync(path, 'utf8')) as { partitions?: unknown }).partitions;
    if (typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= 1024) return count;
  } catch {
    // reported below
  }
  problems.push({ file: path, position: 0, reason: `the topic description has no valid partition count; ${topicMetaAdvice(path)}`, kind: 'topic_description' });
  return 0;
}

/** Index entries as position → absolute offset, with the first structural problem. */
function readIndex(path: string): { entries: [number, number][]; problem: { position: number; reason: string } | undefined } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return { entries: [], problem: { position: 0, reason: 'the index file is missing' } };
  }
  const base = Number(path.slice(path.lastIndexOf('/') + 1, -'.index'.length));
  const entries: [number, number][] = [];
  for (let at = 0; at + 8 <= buf.byteLength; at += 8) entries.push([buf.readUInt32LE(at + 4), base + buf.readUInt32LE(at)]);
  if (buf.byteLength % 8 !== 0) return { entries, problem: { position: buf.byteLength - (buf.byteLength % 8), reason: 'the index ends in a partial entry' } };
  return { entries, problem: undefined };
}
