import { nodeFileSystem } from '../src/FileSystem.js';
import type { FileSystem } from '../src/FileSystem.js';
import { Segment, segmentBasesIn, segmentName } from '../src/Segment.js';

/** A file layer that only records what the segment closes and unlinks (descriptors are numbers here). */
function recordingFs(): { fs: FileSystem; closed: number[]; unlinked: string[] } {
  const closed: number[] = [];
  const unlinked: string[] = [];
  const fs: FileSystem = {
    ...nodeFileSystem,
    close: async (fd) => void closed.push(fd),
    unlink: async (path) => void unlinked.push(path),
  };
  return { fs, closed, unlinked };
}

describe('Segment', () => {
  it('names its files by the base offset in 20 digits, and finds the bases among names in numeric order', () => {
    expect(segmentName(42)).toBe('00000000000000000042');
    const names = ['00000000000000001000.log', '00000000000000000900.log', '00000000000000000900.index', 'x.log', '0000000000000000000.log', '00000000000000000020.log'];
    expect(segmentBasesIn(names)).toEqual([20, 900, 1000]);
    const segment = new Segment('/d', 7, 3, recordingFs().fs);
    expect(segment.logPath).toBe('/d/00000000000000000007.log');
    expect(segment.indexPath).toBe('/d/00000000000000000007.index');
    expect(segment.nextOffset).toBe(7);
  });

  it('keeps index entries strictly increasing in offset and position; the first batch (position 0) is implied', () => {
    const segment = new Segment('/d', 100, 3, recordingFs().fs);
    expect(segment.addEntry(100, 0)).toBe(false);
    expect(segment.lastEntry()).toBeUndefined();
    expect(segment.lastIndexedPosition).toBe(0);
    expect(segment.addEntry(110, 4096)).toBe(true);
    expect(segment.addEntry(110, 8192)).toBe(false); // same offset
    expect(segment.addEntry(109, 8192)).toBe(false); // earlier offset
    expect(segment.addEntry(120, 4096)).toBe(false); // same position
    expect(segment.addEntry(120, 4000)).toBe(false); // earlier position
    expect(segment.addEntry(111, 4097)).toBe(true);
    expect(segment.entryCount).toBe(2);
    expect(segment.lastEntry()).toEqual({ offset: 111, position: 4097 });
    expect(segment.lastIndexedPosition).toBe(4097);
    const bytes = segment.indexBytes();
    expect([bytes.readUInt32LE(0), bytes.readUInt32LE(4), bytes.readUInt32LE(8), bytes.readUInt32LE(12)]).toEqual([10, 4096, 11, 4097]);
    expect(segment.indexBytes(1)).toEqual(bytes.subarray(8));
  });

  it('looks up the last indexed batch at or before an offset, across many entries (the index grows)', () => {
    const segment = new Segment('/d', 1000, 3, recordingFs().fs);
    const entries = 500; // beyond the 64 slots it starts with
    for (let i = 1; i <= entries; i++) expect(segment.addEntry(1000 + i * 10, i * 100)).toBe(true);
    expect(segment.entryCount).toBe(entries);
    expect(segment.lookup(1000)).toBe(0);
    expect(segment.lookup(1009)).toBe(0);
    for (const i of [1, 2, 63, 64, 65, 250, 499, 500]) {
      expect(segment.lookup(1000 + i * 10)).toBe(i * 100);
      expect(segment.lookup(1000 + i * 10 + 9)).toBe(i * 100);
    }
    expect(segment.lookup(1000 + 10 * entries + 1_000_000)).toBe(500 * 100);
    expect(segment.lastEntry()).toEqual({ offset: 1000 + 10 * entries, position: 500 * 100 });
    segment.clearIndex();
    expect(segment.lookup(5000)).toBe(0);
  });

  it('unlinks both files at delete, once, and closes them only after the last read in progress', () => {
    const { fs, closed, unlinked } = recordingFs();
    const segment = new Segment('/d', 0, 3, fs);
    segment.indexFd = 4;
    segment.acquire();
    segment.acquire();
    segment.delete();
    segment.delete();
    expect(unlinked).toEqual([segment.logPath, segment.indexPath]);
    expect(closed).toEqual([]);
    segment.release();
    expect(closed).toEqual([]);
    segment.release();
    expect(closed).toEqual([3, 4]);
    expect(segment.indexFd).toBeUndefined();
  });

  it('closes at once when deleted with no read in progress, and not at the end of a read while it is kept', () => {
    const { fs, closed } = recordingFs();
    const kept = new Segment('/d', 0, 5, fs);
    kept.acquire();
    kept.release();
    expect(closed).toEqual([]);
    const segment = new Segment('/d', 10, 6, fs);
    segment.delete();
    expect(closed).toEqual([6]); // no index file open: only the log
  });
});
