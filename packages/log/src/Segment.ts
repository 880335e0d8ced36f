import { join } from 'node:path';
import type { FileSystem } from './FileSystem.js';

/** The file name of the segment starting at `baseOffset`, without extension: 20 digits. */
export function segmentName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

const segmentFile = /^(\d{20})\.log$/;

/** The base offsets of the segment files (`<20 digits>.log`) among the file names of a partition folder, ascending. */
export function segmentBasesIn(names: readonly string[]): number[] {
  const bases: number[] = [];
  for (const name of names) {
    const match = segmentFile.exec(name);
    if (match) bases.push(Number(match[1]));
  }
  return bases.sort((a, b) => a - b);
}

/**
 * One segment of a partition: a `.log` file of batches and its sparse `.index` (8-byte entries:
 * offset relative to the base u32, byte position u32, one at most every indexIntervalBytes; the
 * position of the first batch, 0, is implied). `size` and `nextOffset` cover only batches that
 * are complete and visible to readers.
 */
export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  size = 0;
  nextOffset: number;
  firstTimestamp: number | undefined;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  /** Wall-clock time the segment was started, for rolling by age. */
  createdAt: number;
  /** Index entries: relative offset, position, relative offset, position, ... */
  private entries: Uint32Array = new Uint32Array(64);
  entryCount = 0;
  /** Bytes of the index file already written. */
  indexFileBytes = 0;
  indexFd: number | undefined;
  /** Reads in progress: a deleted segment's file is closed when the last one ends. */
  private readers = 0;
  deleted = false;

  constructor(
    dir: string,
    readonly baseOffset: number,
    readonly fd: number,
    readonly fs: FileSystem,
  ) {
    const name = segmentName(baseOffset);
    this.logPath = join(dir, `${name}.log`);
    this.indexPath = join(dir, `${name}.index`);
    this.nextOffset = baseOffset;
    this.createdAt = Date.now();
  }

  get lastIndexedPosition(): number {
    return this.entryCount === 0 ? 0 : this.entries[this.entryCount * 2 - 1]!;
  }

  /** Records an index entry; returns false when it would not keep entries increasing. */
  addEntry(offset: number, position: number): boolean {
    const relative = offset - this.baseOffset;
    if (this.entryCount > 0) {
      const last = this.entryCount * 2;
      if (relative <= this.entries[last - 2]! || position <= this.entries[last - 1]!) return false;
    } else if (position <= 0) return false;
    if (this.entryCount * 2 + 2 > this.entries.length) {
      const grown = new Uint32Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries[this.entryCount * 2] = relative;
    this.entries[this.entryCount * 2 + 1] = position;
    this.entryCount++;
    return true;
  }

  /** The index as file bytes, from entry `from` on. */
  indexBytes(from = 0): Buffer {
    const buf = Buffer.allocUnsafe((this.entryCount - from) * 8);
    for (let i = from; i < this.entryCount; i++) {
      buf.writeUInt32LE(this.entries[i * 2]!, (i - from) * 8);
      buf.writeUInt32LE(this.entries[i * 2 + 1]!, (i - from) * 8 + 4);
    }
    return buf;
  }

  clearIndex(): void {
    this.entryCount = 0;
  }

  /** The byte position of the last indexed batch at or before `offset` (0 when none). */
  lookup(offset: number): number {
    const relative = offset - this.baseOffset;
    let low = 0;
    let high = this.entryCount - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.entries[mid * 2]! <= relative) {
        found = this.entries[mid * 2 + 1]!;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /** The relative offset of the last index entry, and its position (undefined when none). */
  lastEntry(): { offset: number; position: number } | undefined {
    if (this.entryCount === 0) return undefined;
    return { offset: this.baseOffset + this.entries[this.entryCount * 2 - 2]!, position: this.entries[this.entryCount * 2 - 1]! };
  }

  acquire(): void {
    this.readers++;
  }

  release(): void {
    this.readers--;
    if (this.deleted && this.readers === 0) this.closeFiles();
  }

  /** Unlinks both files; the descriptors close once no read is in progress. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.fs.unlink(this.logPath).catch(() => undefined);
    this.fs.unlink(this.indexPath).catch(() => undefined);
    if (this.readers === 0) this.closeFiles();
  }

  closeFiles(): void {
    this.fs.close(this.fd).catch(() => undefined);
    if (this.indexFd !== undefined) this.fs.close(this.indexFd).catch(() => undefined);
    this.indexFd = undefined;
  }
}
