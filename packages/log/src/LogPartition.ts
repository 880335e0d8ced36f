import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { CorruptLogError } from './CorruptLogError.js';
import { encodeBatchInto } from './encodeBatch.js';
import { canSyncWrites, dirMode, makeDirDurable, openFile, readAt, syncDir, writeAll, writeFileAtomic } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';
import type { ResolvedLogOptions } from './LogOptions.js';
import { batchFormat } from './batchFormat.js';
import { PendingWrite } from './PendingWrite.js';
import { checkBatch, decodeBatch } from './readBatch.js';
import { recoverSegment } from './recoverSegment.js';
import type { StoredRecord } from './StoredRecord.js';
import { TailCache } from './TailCache.js';
import { Segment, segmentBasesIn, segmentName } from './Segment.js';

/** A group commit's encode buffer is kept for the next one up to this size. */
const keptScratchBytes = 4 * 1024 * 1024;
/**
 * With no write in flight, a commit starts as soon as this much waits, without waiting for the
 * end of the burst of appends it is part of: the disk then syncs the first part of a burst
 * while the event loop still encodes the rest (a window of 1000 publishes is one burst).
 */
const earlyCommitBytes = 64 * 1024;

/**
 * One partition: an ordered list of segments, the last one active. Appends are group-committed:
 * every append that arrives while a write is in flight joins the next write, which is one
 * `writev` for all of them; under fsync 'always' the segment is opened O_DSYNC, so that write
 * returns only once its bytes are synced (an fdatasync of them, in the same call). Writes are
 * one at a time, in order, so a crash can only tear the tail. Readers see a batch once its
 * write completed (and was synced, under 'always').
 */
export class LogPartition {
  private segments: Segment[] = [];
  private pending: PendingWrite | undefined;
  /** Reused by every group commit (writes are one at a time): no allocation per commit. */
  private scratch: Buffer | undefined;
  /** Index file writes trailing the data writes (see writeIndexBehind); never rejects. */
  private indexWrites: Promise<void> = Promise.resolve();
  /** The running flush loop: it writes until nothing is pending. */
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private readonly listeners = new Set<() => void>();
  /** The last commits' bytes, for consumers at the tail. */
  private readonly tail: TailCache;
  private failure: Error | undefined;
  private dirty = false;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly index: number,
    private readonly options: ResolvedLogOptions,
  ) {
    this.tail = new TailCache(options.tailCache);
  }

  /** Opens (and recovers) the partition in `dir`, creating it when missing and writable. */
  static async open(dir: string, topic: string, index: number, options: ResolvedLogOptions): Promise<LogPartition> {
    const partition = new LogPartition(dir, topic, index, options);
    if (!options.readOnly) await makeDirDurable(options.fileSystem, dir, dirMode, options.fsync !== 'never');
    await partition.recover();
    return partition;
  }

  /** fsync 'always': segments are opened O_DSYNC, a write is its own fdatasync (where the platform has O_DSYNC). */
  private get syncWrites(): boolean {
    return this.options.fsync === 'always' && !this.options.readOnly && canSyncWrites;
  }

  get startOffset(): number {
    const first = this.segments[0];
    return first ? first.baseOffset : 0;
  }

  get endOffset(): number {
    const last = this.segments[this.segments.length - 1];
    return last ? last.nextOffset : 0;
  }

  get bytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Timestamp of the oldest retained record, if any. */
  get oldestTimestamp(): number | undefined {
    for (const segment of this.segments) if (segment.firstTimestamp !== undefined) return segment.firstTimestamp;
    return undefined;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- recovery

  private get fs(): FileSystem {
    return this.options.fileSystem;
  }

  private async recover(): Promise<void> {
    let names: string[] = [];
    try {
      names = this.fs.readdirSync(this.dir);
    } catch (error) {
      if (!(this.options.readOnly && (error as NodeJS.ErrnoException).code === 'ENOENT')) throw error;
    }
    if (!this.options.readOnly) for (const name of names) if (name.endsWith('.tmp')) this.fs.unlinkSync(join(this.dir, name));
    const bases = segmentBasesIn(names);
    for (let i = 0; i < bases.length; i++) {
      const segment = await recoverSegment(this.dir, bases[i]!, i < bases.length - 1, this.options, this.syncWrites);
      const previous = this.segments[this.segments.length - 1];
      if (previous && segment.baseOffset < previous.nextOffset) {
        throw new CorruptLogError(segment.logPath, 0, `segment starts at offset ${segment.baseOffset}, inside the previous segment (which ends at ${previous.nextOffset})`);
      }
      this.segments.push(segment);
    }
    // Stray indexes of deleted segments.
    if (!this.options.readOnly) {
      const kept = new Set(bases.map((b) => `${segmentName(b)}.index`));
      for (const name of names) if (name.endsWith('.index') && !kept.has(name)) this.fs.unlinkSync(join(this.dir, name));
      if (this.segments.length === 0) {
        const { segment, durable } = this.createSegment(0);
        this.segments.push(await segment);
        await durable;
      }
    }
  }

  /**
   * Creates the files of the segment starting at `baseOffset`. `segment` resolves once they
   * exist; `durable` once their folder entries are synced too (at once under fsync 'never'),
   * which records written to the segment must wait for before they are acknowledged. Nothing
   * blocks the event loop: the folder fsync (tens of ms on some disks) runs on the libuv pool,
   * while the first write to the segment goes on.
   */
  private createSegment(baseOffset: number): { segment: Promise<Segment>; durable: Promise<void> } {
    const segment = (async () => {
      const created = new Segment(this.dir, baseOffset, await openFile(this.fs, join(this.dir, `${segmentName(baseOffset)}.log`), false, this.syncWrites), this.fs);
      await writeFileAtomic(this.fs, created.indexPath, Buffer.alloc(0), false);
      return created;
    })();
    const durable = this.options.fsync === 'never' ? segment.then(() => undefined) : segment.then(() => syncDir(this.fs, this.dir));
    durable.catch(() => undefined); // awaited by the caller, unless an earlier step failed
    return { segment, durable };
  }

  // ---------------------------------------------------------------- write path

  /**
   * Appends `records` in order. Resolves once they are durable under the fsync policy; rejects
   * (code `publish_failed`) if the write or the sync failed, after which the partition refuses
   * every append until reopened (a failed fsync may have dropped dirty pages).
   */
  append(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new HopbusError('transport_closed', `Cannot append to ${this.topic}: the log is closed.`));
    const pending = (this.pending ??= new PendingWrite());
    try {
      pending.add(records);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.flushing) {
      if (pending.bytes >= earlyCommitBytes) this.startFlushing();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.scheduledFlush);
      }
    }
    return pending.done;
  }

  /** Appends made in one turn of the event loop share a write: it starts once they are all in. */
  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    if (!this.flushing) this.startFlushing();
  };

  private startFlushing(): void {
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      // Appends made after the loop's last look (they saw it running) are written now.
      if (this.pending && this.pending.records.length > 0) this.startFlushing();
    });
  }

  private async flushLoop(): Promise<void> {
    for (let pending = this.pending; pending && pending.records.length > 0; pending = this.pending) {
      this.pending = undefined;
      try {
        if (this.failure) throw this.failure;
        await this.write(pending.records, pending.sizes);
        pending.resolve();
      } catch (cause) {
        this.failure ??= HopbusError.is(cause)
          ? cause
          : new HopbusError('publish_failed', `Writing to ${this.dir} failed (${(cause as Error).message}). Free disk space or fix permissions, then reopen the log.`, { cause });
        pending.reject(this.failure);
      }
    }
  }

  /**
   * Writes `records` (all that arrived since the last write) as consecutive batches of at most
   * maxBatchBytes (a bigger record gets its own), in one buffer, one write and (fsync 'always')
   * one fdatasync: that is where the time goes, so appends share them.
   */
  private async write(records: readonly OutgoingRecord[], sizes: readonly number[]): Promise<void> {
    const batchEnds: number[] = [];
    const batchBytes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const size = sizes[i]!;
      if (bytes > 0 && bytes + size > this.options.maxBatchBytes) {
        batchEnds.push(i);
        batchBytes.push(bytes + batchFormat.headerBytes);
        bytes = 0;
      }
      bytes += size;
    }
    batchEnds.push(records.length);
    batchBytes.push(bytes + batchFormat.headerBytes);
    let total = 0;
    for (const batch of batchBytes) total += batch;

    let segment = this.segments[this.segments.length - 1]!;
    let created: Promise<void> | undefined;
    if (segment.size > 0 && (segment.size + total > this.options.segmentBytes || Date.now() - segment.createdAt >= this.options.segmentMs)) {
      ({ segment, durable: created } = await this.roll(segment));
    }
    const buf = this.scratchOf(total);
    const indexEntries: number[] = [];
    let offset = segment.nextOffset;
    let position = segment.size;
    let lastIndexed = segment.lastIndexedPosition;
    let max = segment.maxTimestamp;
    let at = 0;
    let from = 0;
    for (let b = 0; b < batchEnds.length; b++) {
      const to = batchEnds[b]!;
      const batch = batchBytes[b]!;
      encodeBatchInto(buf, at, records, from, to, offset, batch);
      if (position > 0 && position - lastIndexed >= this.options.indexIntervalBytes) {
        indexEntries.push(offset, position);
        lastIndexed = position;
      }
      max = Math.max(max, buf.readIntLE(at + 32, 6));
      offset += to - from;
      position += batch;
      at += batch;
      from = to;
    }
    const first = buf.readIntLE(24, 6);
    if (offset > batchFormat.maxOffset) throw new HopbusError('publish_failed', `Partition ${this.dir} is out of offsets.`);
    await writeAll(this.fs, segment.fd, [buf.subarray(0, total)], segment.size);
    if (indexEntries.length > 0) {
      const before = segment.entryCount;
      for (let i = 0; i < indexEntries.length; i += 2) segment.addEntry(indexEntries[i]!, indexEntries[i + 1]!);
      this.writeIndexBehind(segment, segment.indexBytes(before));
    }
    // fsync 'always': the segment was opened O_DSYNC, so the write returned once its bytes were
    // synced; without O_DSYNC they are synced now.
    if (this.options.fsync !== 'always') this.dirty = true;
    else if (!this.syncWrites) await this.fs.fdatasync(segment.fd);
    // A new segment's folder entry is durable before any record in it is acknowledged or read.
    if (created) await created;
    this.tail.add(segment, segment.size, buf.subarray(0, total));
    segment.size = position;
    segment.nextOffset = offset;
    segment.firstTimestamp ??= first;
    segment.maxTimestamp = max;
    for (const listener of this.listeners) listener();
  }

  /**
   * Appends index entries to the segment's index file behind the data, off the path that
   * acknowledges records: the index is a hint that recovery checks (an entry must point at a
   * valid batch) and rebuilds, so a commit need not wait for a second write (at 10,000 msg/s
   * nearly every commit adds an entry, and that write at times took milliseconds). The writes
   * go one at a time, in order; roll() and close() wait for them. A failed write fails the
   * partition like a failed data write.
   */
  private writeIndexBehind(segment: Segment, entries: Buffer): void {
    const position = segment.indexFileBytes;
    segment.indexFileBytes += entries.byteLength;
    this.indexWrites = this.indexWrites
      .then(async () => {
        if (this.failure || segment.deleted) return;
        segment.indexFd ??= await openFile(this.fs, segment.indexPath);
        await writeAll(this.fs, segment.indexFd, [entries], position);
      })
      .catch((cause: unknown) => {
        this.failure ??= new HopbusError('publish_failed', `Writing the index ${segment.indexPath} failed (${(cause as Error).message}). Free disk space or fix permissions, then reopen the log.`, {
          cause,
        });
      });
  }

  /** A buffer of at least `bytes` for one group commit: the kept one when it is big enough. */
  private scratchOf(bytes: number): Buffer {
    if (this.scratch && this.scratch.byteLength >= bytes) return this.scratch;
    const buf = Buffer.allocUnsafe(Math.max(bytes, 64 * 1024));
    if (buf.byteLength <= keptScratchBytes) this.scratch = buf;
    return buf;
  }

  /**
   * Seals `segment` (synced unless fsync 'never': a sealed segment is whole on disk before the
   * next one exists, so recovery never finds a torn segment that is not the last) and starts the
   * next one; `durable` as in createSegment.
   */
  private async roll(segment: Segment): Promise<{ segment: Segment; durable: Promise<void> }> {
    await this.indexWrites;
    if (this.failure) throw this.failure;
    if (this.options.fsync !== 'never') {
      await this.fs.fdatasync(segment.fd);
      if (segment.indexFd !== undefined) await this.fs.fdatasync(segment.indexFd);
    }
    const { segment: creating, durable } = this.createSegment(segment.nextOffset);
    const next = await creating;
    this.segments.push(next);
    return { segment: next, durable };
  }

  /** Syncs what was written since the last sync (fsync 'interval', and close). */
  async sync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const segment = this.segments[this.segments.length - 1];
    if (segment && !segment.deleted) await this.fs.fdatasync(segment.fd);
  }

  // ---------------------------------------------------------------- read path

  /**
   * Reads records from `offset` on, about `maxBytes` of log (at least one whole batch), into
   * `out`: the first is the record at `offset`, or the first the log holds after it. Resolves to
   * the offset after the last batch read, which is where the next read goes; offsets removed by
   * retention or a repair are skipped. `position` is the hint a previous read returned (the byte
   * position of the batch holding `offset`), saving an index lookup. Checks every CRC: invalid
   * bytes reject with CorruptLogError, never skipped.
   */
  async read(offset: number, maxBytes: number, out: StoredRecord[], position?: number): Promise<{ next: number; position: number }> {
    let segment = this.segmentFor(offset);
    if (!segment) return { next: Math.max(offset, this.startOffset), position: -1 };
    let hint = position ?? -1;
    if (offset < segment.baseOffset) {
      offset = segment.baseOffset;
      hint = -1; // the hint was into a segment retention removed
    }
    if (offset >= segment.nextOffset) {
      const following = this.segments[this.segments.indexOf(segment) + 1];
      if (!following) return { next: offset, position: -1 };
      segment = following;
      offset = following.baseOffset;
      hint = -1;
    }
    const limit = segment.size;
    let at = hint >= 0 && hint < limit ? hint : segment.lookup(offset);
    segment.acquire();
    try {
      let want = Math.min(maxBytes, limit - at);
      for (;;) {
        const cached = this.tail.slice(segment, at, want);
        const buf = cached ?? Buffer.allocUnsafe(want);
        const got = cached ? cached.byteLength : await readAt(this.fs, segment.fd, buf, want, at);
        let cursor = 0;
        let next = offset;
        while (cursor < got) {
          const check = checkBatch(buf, cursor, got);
          if (check.kind === 'incomplete') break;
          if (check.kind === 'corrupt') throw new CorruptLogError(segment.logPath, at + cursor, check.reason);
          const header = check.header;
          if (header.baseOffset + header.count > offset) decodeBatch(buf, cursor, header, this.topic, this.index, offset, out);
          next = header.baseOffset + header.count;
          cursor += header.bytes;
        }
        if (cursor === 0) {
          // The first batch does not fit in `want` bytes: read it whole, if the segment holds it.
          const check = checkBatch(buf, 0, got, false);
          if (check.kind !== 'incomplete' || check.need <= want || at + check.need > limit) {
            throw new CorruptLogError(segment.logPath, at, check.kind === 'corrupt' ? check.reason : 'batch runs past the end of the segment');
          }
          want = check.need;
          continue;
        }
        if (next <= offset && at + cursor < limit) {
          // Every batch read lies before `offset` (the index points a way before it, or the tail
          // cache gave one commit): read on from there, so that the caller gets `offset`.
          at += cursor;
          want = Math.min(maxBytes, limit - at);
          continue;
        }
        return { next: Math.max(next, offset), position: next >= segment.nextOffset ? -1 : at + cursor };
      }
    } finally {
      segment.release();
    }
  }

  /** The segment holding `offset`, or the first one after it; undefined when past the end. */
  private segmentFor(offset: number): Segment | undefined {
    const segments = this.segments;
    let low = 0;
    let high = segments.length - 1;
    let found: Segment | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (segments[mid]!.baseOffset <= offset) {
        found = segments[mid];
        low = mid + 1;
      } else high = mid - 1;
    }
    return found ?? segments[0];
  }

  /** The first offset whose record has a timestamp at or after `timestamp` (endOffset when none). */
  async offsetForTimestamp(timestamp: number): Promise<number> {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      let offset = segment.baseOffset;
      while (offset < segment.nextOffset) {
        const out: StoredRecord[] = [];
        const { next } = await this.read(offset, this.options.fetchBytes, out);
        for (const record of out) if (record.timestamp >= timestamp) return record.offset;
        if (next <= offset) break;
        offset = next;
      }
    }
    return this.endOffset;
  }

  // ---------------------------------------------------------------- retention

  /** The oldest sealed segment (retention may delete it), or undefined when only the active one is left. */
  get oldestSealed(): { readonly maxTimestamp: number; readonly size: number } | undefined {
    return this.segments.length > 1 ? this.segments[0] : undefined;
  }

  /** Deletes the oldest sealed segment, if any (never the active one); resolves to the bytes freed. */
  deleteOldestSealed(): number {
    if (this.segments.length < 2) return 0;
    const oldest = this.segments.shift()!;
    oldest.delete();
    return oldest.size;
  }

  // ---------------------------------------------------------------- close

  /** Waits for appends in flight, syncs (unless fsync 'never'), closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing || this.flushScheduled) await (this.flushing ?? Promise.resolve());
    await this.indexWrites;
    if (!this.options.readOnly && this.options.fsync !== 'never' && !this.failure) {
      this.dirty = true;
      await this.sync().catch(() => undefined);
    }
    for (const segment of this.segments) segment.closeFiles();
    this.segments = [];
    this.tail.clear();
    this.listeners.clear();
  }
}
