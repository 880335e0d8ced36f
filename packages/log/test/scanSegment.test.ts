import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchFormat } from '../src/batchFormat.js';
import { scanSegment } from '../src/scanSegment.js';
import { Segment } from '../src/Segment.js';
import { nodeFileSystem } from '../src/FileSystem.js';
import { batchBytes } from './support/batchBytes.js';
import { tempDir } from './support/tempDir.js';

// scanSegment decides, on open, where a partition's valid records end: a wrong bound here cuts
// good records or keeps a torn one.

const t0 = 1_700_000_000_000;

function batch(baseOffset: number, count: number, dataBytes: number, timestamp = t0 + baseOffset): Buffer {
  return batchBytes(baseOffset, count, dataBytes, timestamp);
}

let dir: string;
let remove: () => void;
const open: number[] = [];
beforeEach(() => ({ dir, remove } = tempDir('scan')));
afterEach(() => {
  for (const fd of open.splice(0)) closeSync(fd);
  remove();
});

function segmentOf(content: Buffer, baseOffset = 0): Segment {
  const path = join(dir, `${String(baseOffset).padStart(20, '0')}.log`);
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  open.push(fd);
  return new Segment(dir, baseOffset, fd, nodeFileSystem);
}

interface Scan {
  end: number;
  problem: { position: number; reason: string; torn: boolean } | undefined;
  bytes: number[];
  batches: [number, number][];
}

async function scan(segment: Segment, size: number, interval = 1 << 30, from = 0, expected = segment.baseOffset): Promise<Scan> {
  const bytes: number[] = [];
  const batches: [number, number][] = [];
  const result = await scanSegment(segment, from, expected, size, interval, (n) => bytes.push(n), (position, offset) => batches.push([position, offset]));
  return { ...result, bytes, batches };
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('scanSegment', () => {
  it('walks every batch, following offsets, timestamps and the index interval', async () => {
    const parts = [batch(10, 2, 30, t0 + 50), batch(12, 1, 30, t0 + 90), batch(13, 3, 30, t0 + 20), batch(16, 1, 30, t0 + 60)];
    const file = Buffer.concat(parts);
    const segment = segmentOf(file, 10);
    const positions = parts.map((_, i) => sum(parts.slice(0, i).map((p) => p.byteLength)));
    // An interval that the second batch reaches exactly, and the third does not after it.
    const interval = positions[1]!;
    const result = await scan(segment, file.byteLength, interval);
    expect(result.problem).toBeUndefined();
    expect(result.end).toBe(file.byteLength);
    expect(result.batches).toEqual([[positions[0], 10], [positions[1], 12], [positions[2], 13], [positions[3], 16]]);
    expect(sum(result.bytes)).toBe(file.byteLength);
    expect(segment.size).toBe(file.byteLength);
    expect(segment.nextOffset).toBe(17);
    expect(segment.firstTimestamp).toBe(t0 + 50);
    expect(segment.maxTimestamp).toBe(t0 + 90); // the second batch's, not the last one's
    // The third batch is nearer the second than the interval; the fourth is not (offsets are relative to the base).
    expect(parts[1]!.byteLength).toBeLessThan(interval);
    expect(parts[1]!.byteLength + parts[2]!.byteLength).toBeGreaterThanOrEqual(interval);
    expect(segment.indexBytes()).toEqual(indexOf([[2, positions[1]!], [6, positions[3]!]]));
  });

  it('indexes a batch once the interval has passed since the last entry, never the first batch', async () => {
    const parts = Array.from({ length: 6 }, (_, i) => batch(i, 1, 100));
    const size = parts[0]!.byteLength;
    const file = Buffer.concat(parts);
    const exact = segmentOf(file);
    await scan(exact, file.byteLength, size);
    expect(exact.indexBytes()).toEqual(indexOf([1, 2, 3, 4, 5].map((i) => [i, i * size])));
    const wider = segmentOf(file, 0);
    await scan(wider, file.byteLength, size + 1);
    expect(wider.indexBytes()).toEqual(indexOf([2, 4].map((i) => [i, i * size])));
  });

  it('starts from a position inside the file with the offset expected there', async () => {
    const parts = [batch(0, 2, 10), batch(2, 2, 10), batch(4, 1, 10)];
    const file = Buffer.concat(parts);
    const segment = segmentOf(file);
    const from = parts[0]!.byteLength;
    const result = await scan(segment, file.byteLength, 1 << 30, from, 2);
    expect(result.problem).toBeUndefined();
    expect(result.batches.map(([, offset]) => offset)).toEqual([2, 4]);
    expect(sum(result.bytes)).toBe(file.byteLength - from);
    expect(segment.nextOffset).toBe(5);
    expect(segment.firstTimestamp).toBe(t0 + 2);
  });

  it('stops at a batch cut short by the end of the file, a torn write', async () => {
    const good = Buffer.concat([batch(0, 1, 20), batch(1, 1, 20)]);
    const next = batch(2, 1, 20);
    for (const keep of [1, 10, batchFormat.headerBytes, next.byteLength - 1]) {
      const file = Buffer.concat([good, next.subarray(0, keep)]);
      const segment = segmentOf(file);
      const result = await scan(segment, file.byteLength);
      const need = keep < batchFormat.headerBytes ? batchFormat.headerBytes : next.byteLength;
      expect(result.problem).toEqual({ position: good.byteLength, reason: `partial batch (${keep} of ${need} bytes)`, torn: true });
      expect(result.end).toBe(good.byteLength);
      expect(segment.size).toBe(good.byteLength);
      expect(segment.nextOffset).toBe(2);
    }
  });

  it('reports a torn batch past the first read chunk with the bytes that are there', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => batch(i, 1, 30_000)); // about 1.2 MiB
    const good = Buffer.concat(parts);
    const next = batch(40, 1, 100);
    const file = Buffer.concat([good, next.subarray(0, 50)]);
    const segment = segmentOf(file);
    const result = await scan(segment, file.byteLength);
    expect(result.problem).toEqual({ position: good.byteLength, reason: `partial batch (50 of ${next.byteLength} bytes)`, torn: true });
    expect(segment.nextOffset).toBe(40);
  });

  it('stops at a corrupt batch, and at one whose offsets do not follow on', async () => {
    const first = batch(0, 2, 20);
    const bad = Buffer.from(batch(2, 1, 20));
    bad[bad.byteLength - 1] = bad[bad.byteLength - 1]! ^ 0xff;
    const corrupt = segmentOf(Buffer.concat([first, bad, batch(3, 1, 20)]));
    const result = await scan(corrupt, first.byteLength + bad.byteLength + batch(3, 1, 20).byteLength);
    expect(result.problem).toMatchObject({ position: first.byteLength, torn: false });
    expect(result.problem?.reason).toMatch(/^CRC32C mismatch/);
    expect(result.end).toBe(first.byteLength);
    expect(corrupt.nextOffset).toBe(2);

    const gap = Buffer.concat([first, batch(3, 1, 20)]);
    const skipped = segmentOf(gap);
    const gapResult = await scan(skipped, gap.byteLength);
    expect(gapResult.problem).toEqual({ position: first.byteLength, reason: 'batch starts at offset 3, expected 2', torn: false });
    expect(gapResult.end).toBe(first.byteLength);
    const wrongStart = segmentOf(first, 5);
    expect((await scan(wrongStart, first.byteLength)).problem?.reason).toBe('batch starts at offset 0, expected 5');
  });

  it('reads batches that straddle its read chunks and batches larger than a chunk', async () => {
    const chunk = 1024 * 1024;
    const parts: Buffer[] = [batch(0, 1, 100)];
    let offset = 1;
    parts.push(batch(offset++, 1, chunk + 5000)); // larger than a chunk, not at the start of a read
    for (let bytes = 0; bytes < 2 * chunk; offset += 3) {
      const b = batch(offset, 3, 7001);
      parts.push(b);
      bytes += b.byteLength;
    }
    parts.push(batch(offset++, 1, 3 * chunk)); // larger than the chunk again, after the buffer grew
    parts.push(batch(offset++, 1, 10));
    const file = Buffer.concat(parts);
    const segment = segmentOf(file);
    const result = await scan(segment, file.byteLength);
    expect(result.problem).toBeUndefined();
    expect(result.batches).toHaveLength(parts.length);
    expect(sum(result.bytes)).toBe(file.byteLength);
    expect(segment.nextOffset).toBe(batchNext(parts));

    const big = batch(0, 1, chunk + 1);
    const alone = segmentOf(big);
    const aloneResult = await scan(alone, big.byteLength);
    expect(aloneResult.problem).toBeUndefined();
    expect(alone.nextOffset).toBe(1);
  });

  it('finds nothing wrong in an empty file', async () => {
    const segment = segmentOf(Buffer.alloc(0), 7);
    const result = await scan(segment, 0);
    expect(result).toEqual({ end: 0, problem: undefined, bytes: [], batches: [] });
    expect(segment.nextOffset).toBe(7);
    expect(segment.firstTimestamp).toBeUndefined();
  });
});

function indexOf(entries: [number, number][]): Buffer {
  const buf = Buffer.alloc(entries.length * 8);
  entries.forEach(([offset, position], i) => {
    buf.writeUInt32LE(offset, i * 8);
    buf.writeUInt32LE(position, i * 8 + 4);
  });
  return buf;
}

function batchNext(parts: readonly Buffer[]): number {
  const last = parts[parts.length - 1]!;
  return Number(last.readUIntLE(12, 6)) + last.readUInt32LE(20);
}
