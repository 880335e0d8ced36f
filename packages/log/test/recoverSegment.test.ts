import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptLogError } from '@hopbus/log';
import type { RecoveryEvent } from '@hopbus/log';
import { resolveLogOptions } from '../src/LogOptions.js';
import { recoverSegment } from '../src/recoverSegment.js';
import type { Segment } from '../src/Segment.js';
import { batchBytes } from './support/batchBytes.js';
import { tempDir } from './support/tempDir.js';

// recoverSegment decides, when a partition opens, which bytes of a segment are records: it trusts
// the on-disk index only when it is plausible and ends on a valid batch, cuts a torn tail of the
// active segment, refuses a damaged sealed one, and leaves files alone when read-only.

const t0 = 1_700_000_000_000;
const name = '00000000000000000000';

let dir: string;
let remove: () => void;
const opened: Segment[] = [];
beforeEach(() => ({ dir, remove } = tempDir('recover')));
afterEach(() => {
  for (const segment of opened.splice(0)) segment.closeFiles();
  remove();
});

/** Four batches of 3 records (offsets 0–11), each ~245 bytes; the index has an entry per batch after the first, as the log writes it with indexIntervalBytes 200. */
function writeSegment(): { log: Buffer; positions: number[] } {
  const batches = [0, 3, 6, 9].map((base) => batchBytes(base, 3, 40, t0 + base));
  const positions: number[] = [];
  let at = 0;
  for (const b of batches) {
    positions.push(at);
    at += b.byteLength;
  }
  const log = Buffer.concat(batches);
  writeFileSync(join(dir, `${name}.log`), log);
  writeIndex([3, positions[1]!], [6, positions[2]!], [9, positions[3]!]);
  return { log, positions };
}

function writeIndex(...entries: [number, number][]): void {
  const index = Buffer.alloc(entries.length * 8);
  entries.forEach(([offset, position], i) => {
    index.writeUInt32LE(offset, i * 8);
    index.writeUInt32LE(position, i * 8 + 4);
  });
  writeFileSync(join(dir, `${name}.index`), index);
}

interface Opened {
  segment: Segment;
  events: RecoveryEvent[];
  checked: number[];
}

async function recover(options: { sealed?: boolean; verifyOnOpen?: 'tail' | 'full'; onCorruption?: 'fail' | 'truncate'; readOnly?: boolean } = {}): Promise<Opened> {
  const events: RecoveryEvent[] = [];
  const checked: number[] = [];
  const resolved = {
    ...resolveLogOptions({ dir, indexIntervalBytes: 200, verifyOnOpen: options.verifyOnOpen ?? 'tail', onCorruption: options.onCorruption ?? 'fail', onRecovery: (e) => events.push(e) }, options.readOnly ?? false),
    onBytesChecked: (_file: string, bytes: number) => checked.push(bytes),
  };
  const segment = await recoverSegment(dir, 0, options.sealed ?? false, resolved, false);
  opened.push(segment);
  return { segment, events, checked };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const flipByte = (bytes: Buffer, at: number): void => {
  bytes[at] = bytes[at]! ^ 0xff;
};

describe('recovering a segment on open', () => {
  it("with verifyOnOpen 'tail' and a sound index, checks from the index's last entry and keeps the index", async () => {
    const { log, positions } = writeSegment();
    const indexBefore = readFileSync(join(dir, `${name}.index`));
    const { segment, events, checked } = await recover();
    expect(checked[0]).toBe(positions[3]); // everything before the last indexed batch counted as checked at once
    expect(sum(checked)).toBe(log.byteLength);
    expect(segment.size).toBe(log.byteLength);
    expect(segment.nextOffset).toBe(12);
    expect(segment.entryCount).toBe(3);
    expect(segment.firstTimestamp).toBe(t0); // read from the first batch, which the scan skipped
    expect(segment.createdAt).toBe(t0);
    expect(events).toEqual([]);
    expect(readFileSync(join(dir, `${name}.index`))).toEqual(indexBefore);
  });

  it("with verifyOnOpen 'full', checks every byte from the start", async () => {
    const { log } = writeSegment();
    const { segment, checked } = await recover({ verifyOnOpen: 'full' });
    expect(checked).toEqual([log.byteLength]); // one scan from byte 0 (the file is smaller than a read chunk)
    expect(segment.nextOffset).toBe(12);
    expect(segment.firstTimestamp).toBe(t0);
  });

  it.each([
    ['whose length is not a whole number of entries', (): void => writeFileSync(join(dir, `${name}.index`), Buffer.alloc(12))],
    ['with a position past the end of the file', (positions: number[]): void => writeIndex([3, positions[1]!], [6, 1_000_000])],
    ['whose entries do not increase', (positions: number[]): void => writeIndex([6, positions[2]!], [3, positions[1]!])],
    ['whose last entry names another offset than the batch there', (positions: number[]): void => writeIndex([3, positions[1]!], [7, positions[2]!])],
    ['whose last entry points inside a batch', (positions: number[]): void => writeIndex([3, positions[1]!], [6, positions[2]! + 5])],
    ['whose last entry points at the file\'s last bytes', (positions: number[], log: Buffer): void => writeIndex([3, positions[1]!], [9, log.byteLength - 10])],
  ])('distrusts an index %s: scans from the start and rewrites it', async (_what, spoil) => {
    const { log, positions } = writeSegment();
    const sound = readFileSync(join(dir, `${name}.index`));
    spoil(positions, log);
    const { segment, events, checked } = await recover();
    expect(checked).toEqual([log.byteLength]); // one scan from byte 0, nothing skipped
    expect(segment.entryCount).toBe(3); // rebuilt by the scan
    expect(segment.nextOffset).toBe(12);
    expect(segment.size).toBe(log.byteLength);
    expect(readFileSync(join(dir, `${name}.index`))).toEqual(sound);
    expect(events.filter((e) => e.kind === 'index_rebuilt').length).toBe(1);
    expect(events.filter((e) => e.kind === 'truncated')).toEqual([]);
  });

  it('distrusts an index whose last batch fails its CRC, and cuts that batch from the active segment', async () => {
    const { log, positions } = writeSegment();
    const damaged = Buffer.from(log);
    flipByte(damaged, positions[3]! + 60);
    writeFileSync(join(dir, `${name}.log`), damaged);
    const { segment, events } = await recover();
    expect(segment.nextOffset).toBe(9);
    expect(segment.size).toBe(positions[3]);
    expect(statSync(join(dir, `${name}.log`)).size).toBe(positions[3]);
    const cut = events.find((e) => e.kind === 'truncated');
    expect(cut?.detail).toContain(`cut ${log.byteLength - positions[3]!} bytes at byte ${positions[3]}`);
  });

  it('cuts a torn tail of the active segment and says how much', async () => {
    const { log, positions } = writeSegment();
    writeFileSync(join(dir, `${name}.log`), log.subarray(0, log.byteLength - 7));
    const { segment, events, checked } = await recover({ verifyOnOpen: 'full' });
    expect(segment.nextOffset).toBe(9);
    expect(statSync(join(dir, `${name}.log`)).size).toBe(positions[3]);
    expect(sum(checked)).toBe(log.byteLength - 7);
    expect(events.map((e) => e.kind)).toContain('truncated');
  });

  it("refuses a sealed segment with a bad batch (onCorruption 'fail'), naming the file and position", async () => {
    const { log, positions } = writeSegment();
    const damaged = Buffer.from(log);
    flipByte(damaged, positions[2]! + 60);
    writeFileSync(join(dir, `${name}.log`), damaged);
    const refused = await recover({ sealed: true, verifyOnOpen: 'full' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(CorruptLogError);
    expect((refused as CorruptLogError).file).toBe(join(dir, `${name}.log`));
    expect((refused as CorruptLogError).position).toBe(positions[2]);
    expect(statSync(join(dir, `${name}.log`)).size).toBe(log.byteLength); // nothing cut
  });

  it("cuts a sealed segment at its bad batch with onCorruption 'truncate'", async () => {
    const { log, positions } = writeSegment();
    const damaged = Buffer.from(log);
    flipByte(damaged, positions[2]! + 60);
    writeFileSync(join(dir, `${name}.log`), damaged);
    const { segment } = await recover({ sealed: true, verifyOnOpen: 'full', onCorruption: 'truncate' });
    expect(segment.nextOffset).toBe(6);
    expect(statSync(join(dir, `${name}.log`)).size).toBe(positions[2]);
  });

  it('read-only: shows the complete part of an active segment without cutting it, and refuses a damaged sealed one', async () => {
    const { log, positions } = writeSegment();
    writeFileSync(join(dir, `${name}.log`), log.subarray(0, log.byteLength - 7));
    const indexBefore = readFileSync(join(dir, `${name}.index`));
    const { segment, checked } = await recover({ readOnly: true, verifyOnOpen: 'full' });
    expect(segment.nextOffset).toBe(9);
    expect(segment.size).toBe(positions[3]);
    expect(sum(checked)).toBe(log.byteLength - 7); // what it stopped at counts as seen
    expect(statSync(join(dir, `${name}.log`)).size).toBe(log.byteLength - 7);
    expect(readFileSync(join(dir, `${name}.index`))).toEqual(indexBefore);
    segment.closeFiles();
    opened.pop();
    await expect(recover({ readOnly: true, sealed: true, verifyOnOpen: 'full' })).rejects.toBeInstanceOf(CorruptLogError);
  });

  it('writes an index for a segment that has none, without calling it a rebuild', async () => {
    const { log } = writeSegment();
    const sound = readFileSync(join(dir, `${name}.index`));
    writeFileSync(join(dir, `${name}.index`), Buffer.alloc(0));
    const { segment, events } = await recover();
    expect(segment.size).toBe(log.byteLength);
    expect(readFileSync(join(dir, `${name}.index`))).toEqual(sound);
    expect(events).toEqual([]);
  });
});
