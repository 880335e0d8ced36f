import { join } from 'node:path';
import { batchFormat } from './batchFormat.js';
import { CorruptLogError } from './CorruptLogError.js';
import { openFile, readAt, writeFileAtomic } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';
import type { ResolvedLogOptions } from './LogOptions.js';
import { checkBatch } from './readBatch.js';
import { scanSegment } from './scanSegment.js';
import { Segment, segmentName } from './Segment.js';

/**
 * Opens the segment of `dir` starting at `baseOffset` and checks it: from its last trustworthy
 * index entry (verifyOnOpen 'tail') or from the start, every batch's CRC. A torn or bad tail is
 * cut (a bad batch in a sealed segment fails with CorruptLogError unless onCorruption is
 * 'truncate'); an index that does not match what the scan found is rewritten. Tells
 * `onBytesChecked` as it goes, its calls adding up to the file's size.
 */
export async function recoverSegment(dir: string, baseOffset: number, sealed: boolean, options: ResolvedLogOptions, syncWrites: boolean): Promise<Segment> {
  const path = join(dir, `${segmentName(baseOffset)}.log`);
  const fs = options.fileSystem;
  const fd = await openFile(fs, path, options.readOnly, syncWrites);
  const segment = new Segment(dir, baseOffset, fd, fs);
  const fileSize = (await fs.fstat(fd)).size;
  const onDisk = readIndexFile(fs, segment.indexPath);
  let from = 0;
  let expected = baseOffset;
  if (options.verifyOnOpen === 'tail' && onDisk) {
    const start = await trustIndex(fs, segment, onDisk, fileSize);
    if (start) {
      from = start.position;
      expected = start.offset;
    }
  }
  if (from === 0) segment.clearIndex(); // the scan from the start sets the timestamps itself
  let unchecked = fileSize;
  const checked = (bytes: number): void => {
    unchecked -= bytes;
    options.onBytesChecked?.(path, bytes);
  };
  if (from > 0) checked(from);
  const scan = await scanSegment(segment, from, expected, fileSize, options.indexIntervalBytes, checked);
  if (scan.problem) {
    const { position, reason } = scan.problem;
    if (options.readOnly) {
      if (sealed) throw new CorruptLogError(path, position, reason);
      // The owner may be writing this batch right now: show what is complete.
    } else if (sealed && options.onCorruption === 'fail') {
      throw new CorruptLogError(path, position, reason);
    } else {
      await fs.ftruncate(fd, position);
      await fs.fdatasync(fd);
      options.onRecovery({ kind: 'truncated', file: path, detail: `cut ${fileSize - position} bytes at byte ${position}: ${reason}` });
    }
  }
  const wanted = segment.indexBytes();
  if (!options.readOnly && (!onDisk || !onDisk.equals(wanted))) {
    await writeFileAtomic(fs, segment.indexPath, wanted, options.fsync !== 'never');
    if (onDisk && onDisk.byteLength > 0) {
      options.onRecovery({ kind: 'index_rebuilt', file: segment.indexPath, detail: `${onDisk.byteLength / 8} entries on disk, ${segment.entryCount} rebuilt` });
    }
  }
  segment.indexFileBytes = wanted.byteLength;
  if (unchecked > 0) checked(unchecked); // what the scan stopped at: cut, or shown as incomplete (read-only)
  if (segment.firstTimestamp !== undefined) segment.createdAt = Math.min(segment.createdAt, segment.firstTimestamp);
  return segment;
}

/** Loads the on-disk index when its entries are plausible and its last one points at a valid batch. */
async function trustIndex(fs: FileSystem, segment: Segment, onDisk: Buffer, fileSize: number): Promise<{ offset: number; position: number } | undefined> {
  if (onDisk.byteLength % 8 !== 0) return undefined;
  for (let at = 0; at < onDisk.byteLength; at += 8) {
    const position = onDisk.readUInt32LE(at + 4);
    if (position >= fileSize || !segment.addEntry(segment.baseOffset + onDisk.readUInt32LE(at), position)) {
      segment.clearIndex();
      return undefined;
    }
  }
  const last = segment.lastEntry();
  if (!last) return undefined;
  const header = await readBatchAt(fs, segment.fd, last.position, fileSize);
  if (!header || header.baseOffset !== last.offset) {
    segment.clearIndex();
    return undefined;
  }
  await readFirstTimestamp(fs, segment, fileSize);
  return last;
}

async function readFirstTimestamp(fs: FileSystem, segment: Segment, fileSize: number): Promise<void> {
  const header = await readBatchAt(fs, segment.fd, 0, fileSize);
  if (header) {
    segment.firstTimestamp = header.firstTimestamp;
    segment.maxTimestamp = Math.max(segment.maxTimestamp, header.maxTimestamp);
  }
}

function readIndexFile(fs: FileSystem, path: string): Buffer | undefined {
  try {
    return fs.readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The header of the valid batch at `position`, or undefined. */
async function readBatchAt(fs: FileSystem, fd: number, position: number, fileSize: number): Promise<{ baseOffset: number; firstTimestamp: number; maxTimestamp: number } | undefined> {
  if (position + batchFormat.headerBytes > fileSize) return undefined;
  const head = Buffer.allocUnsafe(batchFormat.headerBytes);
  await readAt(fs, fd, head, head.byteLength, position);
  const bytes = head.readUInt32LE(0) + 4;
  if (bytes < batchFormat.headerBytes || position + bytes > fileSize || bytes > 256 * 1024 * 1024) return undefined;
  const buf = Buffer.allocUnsafe(bytes);
  await readAt(fs, fd, buf, bytes, position);
  const check = checkBatch(buf, 0, bytes);
  return check.kind === 'ok' ? check.header : undefined;
}
