import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { makeRecord, numberOf } from '@hopbus/testing';
import { CorruptLogError } from '../src/CorruptLogError.js';
import { nodeFileSystem, withFileSystem } from '../src/FileSystem.js';
import type { FileSystem } from '../src/FileSystem.js';
import type { LogOptions } from '../src/LogOptions.js';
import { resolveLogOptions } from '../src/LogOptions.js';
import { LogPartition } from '../src/LogPartition.js';
import type { StoredRecord } from '../src/StoredRecord.js';
import { tempDir } from './support/tempDir.js';

// One partition on a real disk, on its own: where a read starts and ends, how writes are cut into
// batches and segments, which syncs each fsync mode makes, what recovery clears away, and close.

/** node:fs, counting the syncs of files and folders (a folder is fsync'ed, a segment fdatasync'ed). */
function countingFs(): { fs: FileSystem; fdatasyncs: () => number; fsyncs: () => number } {
  let fdatasyncs = 0;
  let fsyncs = 0;
  const fs: FileSystem = {
    ...nodeFileSystem,
    fdatasync: (fd) => (fdatasyncs++, nodeFileSystem.fdatasync(fd)),
    fsync: (fd) => (fsyncs++, nodeFileSystem.fsync(fd)),
  };
  return { fs, fdatasyncs: () => fdatasyncs, fsyncs: () => fsyncs };
}

const records = (from: number, count: number, options: { timestamp?: number; bytes?: number } = {}) =>
  Array.from({ length: count }, (_, i) =>
    makeRecord('p.t', from + i, { timestamp: options.timestamp, data: options.bytes === undefined ? undefined : new Uint8Array(options.bytes).fill(from + i) }),
  );

async function readAll(partition: LogPartition, from: number, maxBytes: number, position?: number) {
  const out: StoredRecord[] = [];
  const result = await partition.read(from, maxBytes, out, position);
  return { ...result, offsets: out.map((r) => r.offset) };
}

describe('LogPartition', () => {
  let dir: string;
  let remove: () => void;
  const open: LogPartition[] = [];
  beforeEach(() => ({ dir, remove } = tempDir('partition')));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    remove();
  });

  async function openPartition(options: Partial<LogOptions> = {}, fs?: FileSystem, readOnly = false): Promise<LogPartition> {
    const base = { dir, fsync: 'never' as const, ...options };
    const partition = await LogPartition.open(join(dir, '0'), 'p.t', 0, resolveLogOptions(fs ? withFileSystem(base, fs) : base, readOnly));
    open.push(partition);
    return partition;
  }

  /** Closes what is open and moves to a new, empty folder: a second set-up in one test. */
  async function freshDir(): Promise<void> {
    await Promise.all(open.splice(0).map((p) => p.close()));
    remove();
    ({ dir, remove } = tempDir('partition'));
  }

  /** Appends `count` records, one append (one batch) each. */
  async function appendEach(partition: LogPartition, from: number, count: number, options: { timestamp?: number; bytes?: number } = {}): Promise<void> {
    for (let n = from; n < from + count; n++) await partition.append(records(n, 1, options));
  }

  describe('reads', () => {
    it('reads at least one whole batch, as many as fit in maxBytes, and says where the next read goes', async () => {
      const p = await openPartition({ tailCacheBytes: 0 }); // from the disk: a cached commit ends a read early
      await appendEach(p, 0, 5);
      const one = await readAll(p, 0, 1);
      expect(one.offsets).toEqual([0]);
      expect(one.next).toBe(1);
      expect(one.position).toBeGreaterThan(0);
      const batchBytes = one.position;
      const two = await readAll(p, 1, 2 * batchBytes + 1, one.position);
      expect(two.offsets).toEqual([1, 2]);
      expect(two.position).toBe(3 * batchBytes);
      const rest = await readAll(p, 3, 1 << 20, two.position);
      expect(rest.offsets).toEqual([3, 4]);
      expect(rest.next).toBe(5);
      expect(rest.position).toBe(-1); // read to the end of the segment: no hint
      expect(await readAll(p, 5, 1 << 20)).toEqual({ next: 5, position: -1, offsets: [] });
    });

    it('starts inside a batch at the offset asked for, the records before it left out', async () => {
      const p = await openPartition();
      await p.append(records(0, 10));
      const got = await readAll(p, 4, 1 << 20);
      expect(got.offsets).toEqual([4, 5, 6, 7, 8, 9]);
      expect(got.next).toBe(10);
    });

    it('finds the segment of an offset among many, without a hint or with one past its end', async () => {
      const p = await openPartition({ segmentBytes: 600 });
      await appendEach(p, 0, 60);
      expect(p.segmentCount).toBeGreaterThan(5);
      for (const offset of [0, 13, 29, 30, 47, 59]) {
        const got = await readAll(p, offset, 1);
        expect(got.offsets[0]).toBe(offset);
        const hinted = await readAll(p, offset, 1, 1 << 30); // a hint past the segment's end is not used
        expect(hinted.offsets[0]).toBe(offset);
      }
      const out: StoredRecord[] = [];
      await p.read(47, 1, out);
      expect(numberOf(out[0]!)).toBe(47);
    });

    it('goes on in the next segment when the offset is at the end of one', async () => {
      const p = await openPartition({ segmentBytes: 600 });
      await appendEach(p, 0, 20);
      let offset = 0;
      const seen: number[] = [];
      while (offset < p.endOffset) {
        const got = await readAll(p, offset, 1 << 20);
        expect(got.offsets[0]).toBe(offset);
        seen.push(...got.offsets);
        offset = got.next;
      }
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('reads a batch bigger than maxBytes whole', async () => {
      const p = await openPartition();
      await p.append(records(0, 1, { bytes: 5000 }));
      const got = await readAll(p, 0, 100);
      expect(got.offsets).toEqual([0]);
    });

    it('skips what retention deleted: a read before the start reads from the start, dropping a hint into the deleted segment', async () => {
      const p = await openPartition({ segmentBytes: 600 });
      await appendEach(p, 0, 30);
      const bytes = p.bytes;
      const freed = p.deleteOldestSealed();
      expect(freed).toBeGreaterThan(0);
      expect(p.bytes).toBe(bytes - freed);
      const start = p.startOffset;
      expect(start).toBeGreaterThan(0);
      const got = await readAll(p, 0, 1, 100);
      expect(got.offsets).toEqual([start]);
      while (p.segmentCount > 1) p.deleteOldestSealed();
      expect(p.deleteOldestSealed()).toBe(0); // never the active one
      expect(p.segmentCount).toBe(1);
    });

    it('refuses a batch whose bytes changed, naming the file and where', async () => {
      const p = await openPartition({ tailCacheBytes: 0 }); // read from the disk, not the cache of the last commits
      await appendEach(p, 0, 3);
      const { position } = await readAll(p, 0, 1);
      const log = join(dir, '0', readdirSync(join(dir, '0')).find((n) => n.endsWith('.log'))!);
      const bytes = readFileSync(log);
      bytes[position + 60] = bytes[position + 60]! ^ 0xff; // in the second batch's records
      writeFileSync(log, bytes);
      const error = await readAll(p, 1, 1 << 20).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as CorruptLogError).file).toBe(log);
      expect((error as CorruptLogError).position).toBe(position);
      // The batch before it still reads.
      expect((await readAll(p, 0, 1)).offsets).toEqual([0]);
    });

    it('refuses a batch whose length runs past the end of the segment', async () => {
      const p = await openPartition({ tailCacheBytes: 0 });
      await appendEach(p, 0, 2);
      const log = join(dir, '0', readdirSync(join(dir, '0')).find((n) => n.endsWith('.log'))!);
      const bytes = readFileSync(log);
      bytes.writeUInt32LE(1 << 20, 0); // the first batch's length field: far past the 238 bytes of the segment
      writeFileSync(log, bytes);
      const error = await readAll(p, 0, 10).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as Error).message).toMatch(/at byte 0: /);
    });

    it('reads nothing, and says where the log starts, from a partition with no segments (a read-only open of a missing folder)', async () => {
      const p = await openPartition({}, undefined, true);
      expect(await readAll(p, 5, 1024)).toEqual({ next: 5, position: -1, offsets: [] });
    });

    it('finds the first offset at or after a timestamp, endOffset when none is', async () => {
      const p = await openPartition({ segmentBytes: 600 });
      for (let n = 0; n < 30; n++) await p.append(records(n, 1, { timestamp: 1000 + n * 10 }));
      expect(p.oldestTimestamp).toBe(1000);
      expect(await p.offsetForTimestamp(0)).toBe(0);
      expect(await p.offsetForTimestamp(1000)).toBe(0);
      expect(await p.offsetForTimestamp(1001)).toBe(1);
      expect(await p.offsetForTimestamp(1250)).toBe(25);
      expect(await p.offsetForTimestamp(1290)).toBe(29);
      expect(await p.offsetForTimestamp(1291)).toBe(30);
    });

    it('has no oldest timestamp and offsets 0 to 0 while empty', async () => {
      const p = await openPartition();
      expect([p.startOffset, p.endOffset, p.bytes, p.segmentCount, p.oldestTimestamp]).toEqual([0, 0, 0, 1, undefined]);
    });
  });

  describe('writes', () => {
    it('cuts one write into batches of at most maxBatchBytes, a bigger record in a batch of its own', async () => {
      const p = await openPartition({ maxBatchBytes: 1000 });
      await p.append([...records(0, 6, { bytes: 300 }), ...records(6, 1, { bytes: 3000 }), ...records(7, 1, { bytes: 10 })]);
      const batches: number[][] = [];
      for (let offset = 0, position: number | undefined; offset < p.endOffset; ) {
        const got = await readAll(p, offset, 1, position);
        batches.push(got.offsets);
        offset = got.next;
        position = got.position;
      }
      expect(batches).toEqual([[0, 1], [2, 3], [4, 5], [6], [7]]);
    });

    it('puts a first record bigger than maxBatchBytes in a batch of its own, with no empty batch before it', async () => {
      const p = await openPartition({ maxBatchBytes: 1000, tailCacheBytes: 0 });
      await p.append([...records(0, 1, { bytes: 3000 }), ...records(1, 2, { bytes: 10 })]);
      const first = await readAll(p, 0, 1);
      expect(first.offsets).toEqual([0]);
      expect(first.position).toBeGreaterThan(3000);
      expect((await readAll(p, 1, 1, first.position)).offsets).toEqual([1, 2]);
    });

    it('fills a segment to exactly segmentBytes before it starts the next, and writes a first batch bigger than a segment into an empty one', async () => {
      const p = await openPartition({ segmentBytes: 238 }); // two single-record batches of 119 bytes
      await appendEach(p, 0, 2);
      expect([p.segmentCount, p.bytes]).toEqual([1, 238]);
      await appendEach(p, 2, 1);
      expect(p.segmentCount).toBe(2);
      await freshDir();
      const small = await openPartition({ segmentBytes: 100 });
      await appendEach(small, 0, 1);
      expect(small.segmentCount).toBe(1); // not a new, empty segment first
      await appendEach(small, 1, 1);
      expect(small.segmentCount).toBe(2);
    });

    it('adds an index entry each time indexIntervalBytes have been written since the last one', async () => {
      const p = await openPartition({ indexIntervalBytes: 238 }); // batches of 119 bytes: an entry every second batch
      await appendEach(p, 0, 9);
      await p.close();
      const index = readdirSync(join(dir, '0')).find((n) => n.endsWith('.index'))!;
      expect(statSync(join(dir, '0', index)).size / 8).toBe(4); // 8 bytes each, at 238, 476, 714, 952
    });

    it('shares one write among the appends of one turn, and tells its listeners once it is written', async () => {
      const p = await openPartition();
      let told = 0;
      const stop = p.onAppend(() => told++);
      await Promise.all([p.append(records(0, 2)), p.append(records(2, 3))]);
      expect(told).toBe(1);
      expect((await readAll(p, 0, 1)).offsets).toEqual([0, 1, 2, 3, 4]);
      stop();
      await p.append(records(5, 1));
      expect(told).toBe(1);
    });

    it('starts a new segment once the next write would pass segmentBytes, or the segment is segmentMs old', async () => {
      const p = await openPartition({ segmentBytes: 1000 });
      await p.append(records(0, 1, { bytes: 600 }));
      await p.append(records(1, 1, { bytes: 100 }));
      expect(p.segmentCount).toBe(1);
      await p.append(records(2, 1, { bytes: 400 }));
      expect(p.segmentCount).toBe(2);

      await freshDir();
      const aged = await openPartition({ segmentMs: 1 });
      await aged.append(records(0, 1));
      const before = Date.now();
      while (Date.now() - before < 3) await new Promise((resolve) => setTimeout(resolve, 1));
      await aged.append(records(1, 1));
      expect(aged.segmentCount).toBe(2);
    });

    it('indexes a batch every indexIntervalBytes, behind the data', async () => {
      const p = await openPartition({ indexIntervalBytes: 200 });
      await appendEach(p, 0, 20);
      await p.close();
      const index = readdirSync(join(dir, '0')).find((n) => n.endsWith('.index'))!;
      const entries = statSync(join(dir, '0', index)).size / 8; // 8 bytes an entry
      expect(entries).toBeGreaterThan(3);

      await freshDir();
      const sparse = await openPartition({ indexIntervalBytes: 1 << 20 });
      await appendEach(sparse, 0, 20);
      await sparse.close();
      const none = readdirSync(join(dir, '0')).find((n) => n.endsWith('.index'))!;
      expect(statSync(join(dir, '0', none)).size).toBe(0);
    });

    it('refuses appends once closed, saying so', async () => {
      const p = await openPartition();
      await p.close();
      const error = await p.append(records(0, 1)).catch((e: unknown) => e);
      expect(HopbusError.hasCode(error, 'transport_closed')).toBe(true);
      expect((error as Error).message).toBe('Cannot append to p.t: the log is closed.');
    });

    it('fails every append after a failed write with the same publish_failed error', async () => {
      let failWrites = false;
      const fs: FileSystem = {
        ...nodeFileSystem,
        writev: (fd, buffers, position) => (failWrites ? Promise.reject(Object.assign(new Error('no space left'), { code: 'ENOSPC' })) : nodeFileSystem.writev(fd, buffers, position)),
      };
      const p = await openPartition({}, fs);
      await p.append(records(0, 1));
      failWrites = true;
      const first = await p.append(records(1, 1)).catch((e: unknown) => e);
      expect(HopbusError.hasCode(first, 'publish_failed')).toBe(true);
      expect((first as Error).message).toContain('no space left');
      failWrites = false;
      expect(await p.append(records(2, 1)).catch((e: unknown) => e)).toBe(first);
      expect(p.endOffset).toBe(1);
    });

    it('waits for the writes in flight when closed, and closes once', async () => {
      const p = await openPartition();
      const appended = p.append(records(0, 100));
      await p.close();
      await appended;
      await p.close();
      const again = await openPartition();
      expect(again.endOffset).toBe(100);
    });
  });

  describe('syncs', () => {
    it("under fsync 'always' a write is synced before it resolves, by O_DSYNC: no fdatasync per write", async () => {
      const counted = countingFs();
      const p = await openPartition({ fsync: 'always' }, counted.fs);
      const before = counted.fdatasyncs();
      await appendEach(p, 0, 5);
      expect(counted.fdatasyncs()).toBe(before);
      await p.sync();
      expect(counted.fdatasyncs()).toBe(before); // nothing dirty
    });

    it("under fsync 'interval' a write marks the partition dirty: sync() syncs once, and not again until the next write", async () => {
      const counted = countingFs();
      const p = await openPartition({ fsync: 'interval' }, counted.fs);
      await p.sync();
      const before = counted.fdatasyncs();
      await appendEach(p, 0, 3);
      expect(counted.fdatasyncs()).toBe(before);
      await p.sync();
      expect(counted.fdatasyncs()).toBe(before + 1);
      await p.sync();
      expect(counted.fdatasyncs()).toBe(before + 1);
      await appendEach(p, 3, 1);
      await p.close(); // close syncs what is dirty
      expect(counted.fdatasyncs()).toBe(before + 2);
    });

    it("under fsync 'never' nothing is synced, not on roll nor on close, and no folder either", async () => {
      const counted = countingFs();
      const p = await openPartition({ fsync: 'never', segmentBytes: 600 }, counted.fs);
      await appendEach(p, 0, 20);
      expect(p.segmentCount).toBeGreaterThan(1);
      await p.close();
      expect([counted.fdatasyncs(), counted.fsyncs()]).toEqual([0, 0]);
    });

    it("seals a segment synced, its index too, and syncs the new segment's folder entry, unless fsync is 'never'", async () => {
      const counted = countingFs();
      const p = await openPartition({ fsync: 'interval', segmentBytes: 600, indexIntervalBytes: 100 }, counted.fs);
      await appendEach(p, 0, 4);
      expect(p.segmentCount).toBe(1);
      const [datasyncs, folders] = [counted.fdatasyncs(), counted.fsyncs()];
      while (p.segmentCount === 1) await appendEach(p, p.endOffset, 1);
      expect(counted.fdatasyncs() - datasyncs).toBe(2); // the sealed segment and its index
      expect(counted.fsyncs() - folders).toBeGreaterThanOrEqual(1); // the folder, for the new files
    });
  });

  describe('recovery', () => {
    it('removes leftover temporary files and the indexes of deleted segments, keeping the records', async () => {
      const p = await openPartition();
      await appendEach(p, 0, 3);
      await p.close();
      open.length = 0;
      const folder = join(dir, '0');
      writeFileSync(join(folder, 'x.tmp'), 'half written');
      writeFileSync(join(folder, '00000000000000099999.index'), '');
      const again = await openPartition();
      expect(existsSync(join(folder, 'x.tmp'))).toBe(false);
      expect(existsSync(join(folder, '00000000000000099999.index'))).toBe(false);
      expect(again.endOffset).toBe(3);
    });

    it('leaves the folder as it is when opened read-only, and reads a missing one as empty', async () => {
      const p = await openPartition();
      await appendEach(p, 0, 2);
      await p.close();
      open.length = 0;
      const folder = join(dir, '0');
      writeFileSync(join(folder, 'x.tmp'), 'kept');
      const readOnly = await openPartition({}, undefined, true);
      expect(readOnly.endOffset).toBe(2);
      expect(existsSync(join(folder, 'x.tmp'))).toBe(true);
      await readOnly.close();
      open.length = 0;
      await freshDir();
      const missing = await openPartition({}, undefined, true);
      expect([missing.segmentCount, missing.endOffset]).toEqual([0, 0]);
      expect(existsSync(join(dir, '0'))).toBe(false);
    });

    it('refuses a segment that starts inside the one before it', async () => {
      const folder = join(dir, '0');
      const logOf = (base: number) => join(folder, `${String(base).padStart(20, '0')}.log`);
      // A segment [5, 12): five records fill the first segment, the sixth starts the next one,
      // which a reopen with larger segments fills further.
      let p = await openPartition({ segmentBytes: 600 });
      await appendEach(p, 0, 6);
      await p.close();
      open.length = 0;
      p = await openPartition({ segmentBytes: 2000 });
      await appendEach(p, 6, 6);
      expect(p.endOffset).toBe(12);
      await p.close();
      open.length = 0;
      const longer = readFileSync(logOf(5));
      // The same records in segments [0, 5), [5, 10), [10, 14); then [5, 10) is replaced by [5, 12).
      await freshDir();
      p = await openPartition({ segmentBytes: 600 });
      await appendEach(p, 0, 14);
      await p.close();
      open.length = 0;
      expect(readdirSync(join(dir, '0')).filter((n) => n.endsWith('.log'))).toHaveLength(3);
      writeFileSync(join(dir, '0', `${String(5).padStart(20, '0')}.log`), longer);
      const error = await openPartition({ segmentBytes: 600 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as Error).message).toMatch(/segment starts at offset 10, inside the previous segment \(which ends at 12\)/);
    });
  });
});
